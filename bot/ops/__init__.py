"""Running jetbot: command-line set-up checks, backups, logging and the bot-wide state kept in the database."""
