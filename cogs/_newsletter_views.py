"""Modal, buttons and embeds for /newsletter (a helper module: not loaded as an extension).

Email addresses only ever appear here in ephemeral replies to the member they belong to.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord
from discord.utils import escape_markdown, format_dt

from bot.client import JetModal, JetView, guarded, guild_id_of, send_ephemeral, services_of
from bot.errors import RateLimited, UserError
from bot.newsletter import MAX_EMAIL_LENGTH, MAX_NAME_LENGTH, UNSUBSCRIBE_BUTTON, SignUp

if TYPE_CHECKING:
    from bot.newsletter import NewsletterService
    from bot.storage.newsletter import Subscription

SIGNED_UP_COLOUR = discord.Colour.green()
MODAL_TITLE = "Sign up for this chapter's newsletter"
WORDING_SHOWN = 3500  # a text display holds 4000 characters; leave room for the heading
RETRY_SECONDS = 600
EMAIL_FIELD = "jetbot:newsletter:email"
NAME_FIELD = "jetbot:newsletter:name"


def _service(interaction: discord.Interaction[Any]) -> NewsletterService:
    return services_of(interaction).newsletter


def consent_block(text: str) -> str:
    shown = text if len(text) <= WORDING_SHOWN else text[: WORDING_SHOWN - 1] + "…"
    return "\n".join("> " + line for line in shown.splitlines() or [""])


class SubscribeModal(JetModal, title=MODAL_TITLE):
    """Email (required) and name (optional) under the consent wording, shown in full in the modal."""

    def __init__(self, *, consent_text: str, version: int, email: str = "", name: str = "") -> None:
        super().__init__(timeout=900)
        self.consent_text = consent_text
        self.version = version
        self.add_item(discord.ui.TextDisplay(
            f"**By signing up you agree to this** (consent wording v{version}):\n{consent_block(consent_text)}"
        ))
        self.email_input: discord.ui.TextInput = discord.ui.TextInput(
            custom_id=EMAIL_FIELD, placeholder="you@example.org", default=email or None,
            max_length=MAX_EMAIL_LENGTH, required=True,
        )
        self.add_item(discord.ui.Label(text="Email address", component=self.email_input))
        self.name_input: discord.ui.TextInput = discord.ui.TextInput(
            custom_id=NAME_FIELD, placeholder="How the newsletter may greet you", default=name or None,
            max_length=MAX_NAME_LENGTH, required=False,
        )
        self.add_item(discord.ui.Label(text="Name (optional)", component=self.name_input))

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        email, name = self.email_input.value, self.name_input.value
        service = _service(interaction)
        try:
            signup = await service.subscribe(
                guild_id_of(interaction), interaction.user.id, email, name, channel_id=interaction.channel_id
            )
        except RateLimited as exc:
            await send_ephemeral(interaction, str(exc))
            return
        except UserError as exc:
            # A modal submit cannot open another modal: offer a button that reopens it, pre-filled.
            await send_ephemeral(
                interaction,
                f"{exc}\nNothing was stored. Press **Try again** (within {RETRY_SECONDS // 60} minutes) to correct "
                "what you typed.",
                view=RetryView(interaction.user.id, email, name),
            )
            return
        guild_name = interaction.guild.name if interaction.guild else "this server"
        await send_ephemeral(interaction, embed=signup_embed(signup, guild_name), view=unsubscribe_view())


class RetryView(JetView):
    """Holds what the member typed (in memory, briefly) so the reopened modal is pre-filled."""

    def __init__(self, owner_id: int, email: str, name: str) -> None:
        super().__init__(timeout=RETRY_SECONDS)
        self.owner_id = owner_id
        self.email = email[:MAX_EMAIL_LENGTH]
        self.name = name[:MAX_NAME_LENGTH]

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        return interaction.user.id == self.owner_id

    @discord.ui.button(label="Try again", style=discord.ButtonStyle.primary)
    async def try_again(self, interaction: discord.Interaction[Any], button: discord.ui.Button) -> None:
        service = _service(interaction)
        await interaction.response.send_modal(SubscribeModal(
            consent_text=service.consent_text, version=await service.consent_version(),
            email=self.email, name=self.name,
        ))


class UnsubscribeButton(discord.ui.DynamicItem[discord.ui.Button], template=r"jetbot:newsletter:unsubscribe"):
    """Acts on whoever clicks it, in the server it is clicked in, so one fixed id is safe and it keeps
    working after a restart."""

    def __init__(self) -> None:
        super().__init__(discord.ui.Button(
            label="Unsubscribe", style=discord.ButtonStyle.secondary, custom_id="jetbot:newsletter:unsubscribe",
        ))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> UnsubscribeButton:
        return cls()

    @guarded
    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        if interaction.guild_id is None:
            raise UserError("This button only works in a server.")
        sub = await _service(interaction).unsubscribe(
            interaction.guild_id, interaction.user.id, channel_id=interaction.channel_id, command=UNSUBSCRIBE_BUTTON
        )
        await send_ephemeral(interaction, unsubscribed_text(sub))


def unsubscribe_view() -> discord.ui.View:
    view = discord.ui.View(timeout=None)  # fully dynamic: nothing is kept per message
    view.add_item(UnsubscribeButton())
    return view


# -- texts --------------------------------------------------------------------------------------------
def signup_embed(signup: SignUp, guild_name: str) -> discord.Embed:
    """Exactly what was stored, field by field, with the wording agreed to."""
    sub = signup.subscription
    if signup.changed_email and signup.previous is not None:
        title = "Your newsletter address is updated"
        lead = f"The old address ({escape_markdown(signup.previous.email)}) is no longer stored.\n"
    elif signup.previous is not None and signup.previous.active:
        title = "Your newsletter sign-up is updated"
        lead = ""
    else:
        title = "You're signed up for the newsletter"
        lead = ""
    embed = discord.Embed(
        title=title,
        description=(
            f"{lead}This is exactly what **{escape_markdown(guild_name)}**'s newsletter list now holds about you. "
            f"You agreed to:\n{consent_block(signup.consent_text)}"
        )[:4096],
        colour=SIGNED_UP_COLOUR,
    )
    embed.add_field(name="Email address", value=escape_markdown(sub.email), inline=False)
    embed.add_field(name="Name", value=escape_markdown(sub.name) if sub.name else "(none given)", inline=False)
    embed.add_field(name="Signed up", value=format_dt(sub.subscribed_at, "F"), inline=True)
    if sub.first_subscribed_at != sub.subscribed_at:
        embed.add_field(name="First signed up", value=format_dt(sub.first_subscribed_at, "F"), inline=True)
    embed.add_field(name="Where", value=f"<#{sub.channel_id}>" if sub.channel_id else "(unknown)", inline=True)
    embed.add_field(name="Through", value=f"`{sub.command}`", inline=True)
    embed.add_field(name="Consent wording", value=f"version {sub.consent_version} (shown above)", inline=True)
    embed.set_footer(text=(
        "Only you can see this. This server's organisers can export the list for their mailing tool. "
        "Unsubscribe at any time with the button or /newsletter unsubscribe; see or erase your data with /privacy."
    ))
    return embed


def unsubscribed_text(sub: Subscription | None) -> str:
    if sub is None:
        return "You weren't subscribed to this server's newsletter, so there was nothing to end."
    when = format_dt(sub.unsubscribed_at, "F") if sub.unsubscribed_at else "now"
    return (
        f"You're unsubscribed from this server's newsletter as of {when}."
        " The organisers' exports no longer include you. jetbot keeps your address with the time you left "
        "(so organisers can remove you from their mailing tool) until you erase it with `/privacy delete`."
    )


def status_text(sub: Subscription | None) -> str:
    if sub is None:
        return "You're not signed up for this server's newsletter. Use `/newsletter subscribe` to sign up."
    name = f" (name: {escape_markdown(sub.name)})" if sub.name else ""
    if sub.active:
        return (
            f"You're signed up for this server's newsletter as **{escape_markdown(sub.email)}**{name} "
            f"since {format_dt(sub.subscribed_at, 'F')} (consent wording v{sub.consent_version}). "
            "Use the button or `/newsletter unsubscribe` to stop."
        )
    when = format_dt(sub.unsubscribed_at, "F") if sub.unsubscribed_at else "an earlier date"
    return (
        f"You unsubscribed from this server's newsletter on {when}"
        f" and are not on its list. jetbot still keeps the address **{escape_markdown(sub.email)}**{name} as a "
        "record of that; `/privacy delete` erases it."
    )
