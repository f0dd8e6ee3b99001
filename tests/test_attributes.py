"""What a question asks for beyond its topic, and whether an answer gives it."""

from __future__ import annotations

import pytest

from bot.knowledge import attributes


@pytest.mark.parametrize(
    ("question", "answer", "missing"),
    [
        ("how much does the tour cost?", "A week-long tour of Japan.", "the cost"),
        ("how much does the tour cost?", "The fee is £300.", None),
        ("when do the event reminders get sent?", "By default 24 hours and 1 hour before.", None),
        ("when does the Tokyo orientation happen?", "It is held after arrival.", "a date"),
        ("how do I teach the bot our own answer about the membership fee?", "Use /kb add.", None),
        ("what were the exact dates of the January 2021 study tour?", "The tour was planned for January 2021.",
         "the exact date"),
        ("what were the exact dates?", "It ran from 20 to 22 May 2019.", None),
        ("which JETAA chapter is the best to join?", "There are chapters in many countries.", "an opinion"),
        ("is the promotion programme still running?", "Osaka promoted investment before Expo 2025.",
         "whether that is still so"),
        ("who pays for the JST participants' flights?", "Eight officials visited Japan.", "the cost"),
        ("can I get the attendee list as a spreadsheet for the venue?", "Use /event attendees.", None),
        ("oops put the wrong venue on the event post, how do I fix it", "Use /event edit.", None),
        ("where's the venue?", "Pub night is every Friday.", "the venue"),
        ("why did they pick Tsu City for the tour?", "The 2020 tour went to Tsu in Mie.", "why"),
        ("why did they pick Tsu City?", "Tsu was chosen for its biomass plant.", None),
        ("how long has he been working at the council?", "He spoke at the session.", "how long it lasts"),
        ("how often does the toyota city partnership board meet?", "The board was set up in 2018.", "how often"),
        ("has the osaka investment campaign worked?", "Osaka promotes investment before Expo.", "how it turned out"),
        ("is it compulsory to go to the orientation?", "JETAA runs a pre-departure orientation.", "the rules on that"),
        ("can I submit my own recipe?", "Cards introduce local dishes.", "how to sign up"),
        ("when exactly did he take over?", "He was director general in 2024.", "the exact date"),
        ("when exactly did JET start?", "JET began in 1987.", None),  # a year answers when it began
        ("MEXT full name pls", "The Ministry of Education, Culture, Sports, Science and Technology.", None),
        ("are JETs allowed to have a side job?", "JETs work for local authorities.", "the rules on that"),
        ("are guests allowed to come?", "Organisers can allow guests per event.", None),
        ("what are the other offices besides London and New York?", "CLAIR has seven offices abroad, among them "
         "London and New York.", "the list of them"),
        ("how do i sign up to volunteer at the playgroup", "The delegation visited a playgroup.", "how to sign up"),
        ("how do I sign up for the newsletter?", "Use `/newsletter subscribe`.", None),
        ("is there a recording of the feedback session?", "It was held in London in March.", "a recording"),
        ("can I watch the seminar back on YouTube?", "The seminar's recording is on YouTube.", None),
        ("how often does Local Eyes Japan put up new recipes", "Cards introduce local dishes.", "how often"),
        ("how often do reminders go out?", "24 hours and 1 hour before.", None),  # not a publishing rhythm
        ("has she written any books?", "She spoke about Nordic elections.", "their writings"),
        ("which 27 cities are in U20?", "27 cities signed the communiqué.", "the list of them"),
        ("which 3 councils took part?", "Newham, Hackney and Greenwich hosted visits.", None),
        ("which two cities signed the first agreement?", "St. Paul and Nagasaki, in 1955.", None),  # two: no list
        ("is he still working at the council?", "He spoke at the 2020 session.", "whether that is still so"),
        ("does JLGC charge councils for visits?", "JLGC arranges visits and interpreters.", "the cost"),
        ("who is in charge of JET?", "MIC, MOFA and MEXT with CLAIR.", None),  # "in charge of" is no price
        ("how many JET alumni were at the reception?", "Alumni of the JET Programme attended.", "how many took part"),
        ("how many JET participants came from Germany?", "Around 289 came from Germany.", None),  # an origin
        ("when's the orientation in london this summer", "It is held before departure.", "the date of the next one"),
        ("JLGCロンドンが2023年にサポートしたプロジェクトの数は？", "85 projects were supported in 2018.",
         "anything for 2023"),
        ("どの海外事務所に行くか自分で選べるんですか？", "Staff are seconded for three years.",
         "whether you can choose"),
        ("JETの面接っていつ頃ありますか？", "MOFA runs the interviews at embassies.", "a date"),  # いつ: when
        ("JLGCの連絡先を教えて", "Write to mailbox@jlgc.org.uk.", None),  # 連絡先: contact details
        ("JLGCの連絡先を教えて", "It covers the UK and Ireland.", "an email address"),
        ("where was Michael Rivera King placed on JET?", "He is a JET alumnus and the Society's CEO.",
         "where they were placed"),
        ("where was he posted?", "He was posted to Kobe as a CIR.", None),
        ("where are JETs placed?", "CLAIR allocates participants to local authorities.", None),  # not one person
        ("who was DG of JLGC London before Kurono?", "Kurono (2019) and Matsutani (2024).", "who held the post before"),
        ("who was the director before him?", "Matsutani took over from Kurono.", None),
        ("what date was the explanation day?", "It marked the 30th anniversary in 2017.", "the exact date"),
        ("what date was the networking event?", "It was on 16 February 2017.", None),
        ("when was the explanation day?", "It was held in 2017.", None),  # "when" is answered by a year
        ("honestly is ALT or CIR the better job?", "ALTs teach; CIRs work in offices.", "an opinion"),
        ("which US state has the most JET alumni?", "Over half are American or Canadian.", "a ranking"),
        ("which country sends the most JETs?", "The largest group comes from the US.", None),
        ("delegations from where exactly?", "CIRs host delegations from sister cities.", None),  # an origin
        ("is JET better than working for an eikaiwa?", "JET places ALTs in schools.", "an opinion"),
        ("does the study tour cover flights?", "Eight officials toured two prefectures.", "the cost"),
        ("does JET pay for my flight to Japan?", "Return flights are provided.", None),
        ("what's his actual job title?", "The visit was set up by Chris Hayes.", "their job title"),
        ("what's her job title?", "Akira Matsutani, Director General of JLGC London.", None),
        ("what is the title of the report?", "Climbing the Summit compares cities.", None),  # a title, not a post
        ("who pays the costs of JET?", "MIC funds it.", None),  # asks who, not how much
        ("what's their phone number", "Email mailbox@example.org.", "a phone number"),
        ("what's their phone number", "Tel: +44 20 7839 8500", None),
        ("when is the application deadline?", "Apply through the embassy.", "a deadline"),
        ("what happened in 2019?", "In 2018 the office moved.", "anything for 2019"),
        ("what is the JST feedback session", "A debrief in London.", None),  # "feedback" is not a fee
        ("how many people live in Tsu?", "Eight visitors saw a biomass plant in Tsu.", "a population figure"),
        ("when is the next U20 summit?", "Tokyo hosted it in May 2019.", "the date of the next one"),
        ("when's the next JST?", "The next tour is planned for January 2021.", None),
        ("how many people work at JLGC London?", "It covers the UK and Ireland.", "a headcount"),
        ("how many staff does the office have?", "About 20 staff work there.", None),
        ("what questions do they ask at the interview?", "MOFA runs the interviews.", "the questions asked"),
        ("what sports do SEAs coach?", "SEAs coach athletes and run sports projects.", "which sports"),
        ("which sport does she coach?", "She coaches judo.", None),
        ("how many days is the orientation?", "MOFA runs it before departure.", "how long it lasts"),
        ("what's the email for JLGC New York?", "It serves the US and Canada.", "an email address"),
        ("what's their email address?", "Write to mailbox@jlgc.org.uk.", None),
        ("does the bot keep my email?", "It stores your newsletter subscription.", None),  # the member's own
        ("how do I subscribe to the calendar on my phone", "Paste the feed link.", None),  # a device
        ("how much is karaoke night?", "Check in with the code at the event.", "the cost"),
        ("what's the phone number for the JLGC?", "It is in London.", "a phone number"),
        ("who can see my newsletter address", "Only organisers, in their export.", None),
        ("can I change our email on the list?", "Subscribe again with another address.", None),
        ("what's the address of Japan House London?", "A feedback session was held there.", "a street address"),
        ("where is the office, what's the address?", "The office is at 15 Whitehall.", None),
        ("how many people attended the exchange?", "Officials visited councils and schools.", "how many took part"),
        ("how many people attended the debrief?", "It was attended by over 50 people.", None),
        ("how many JETs does Germany send each year?", "Around 289 Germans have taken part.", "a yearly figure"),
        ("how many tours are run each year?", "One tour is held every year.", None),
        ("ALTは何時間働くの？", "ALTs work in schools.", "working hours"),
        ("what did Kazuya Shima do before JLGC?", "Kazuya Shima: Director, JLGC London.", "what they did before"),
        ("what did he do before?", "He was previously at the ministry.", None),
        ("when does the Tokyo orientation happen each year?", "New JETs attend it on arrival.", "a date"),
        ("when is the feedback session held?", "It was held on 6 March 2020.", None),
        ("when is pub night?", "Pub night is on Fridays at the Swan.", None),  # a weekday is a date
        ("is the Migration Museum free to visit?", "The group learned about migration history.", "the cost"),
        ("is CLAIR a good place to work?", "Staff are seconded from local authorities.", "an opinion"),
        ("is there an age limit for JET?", "Apply through the embassy.", "an age limit"),
        # An answer that says the documents leave it out does not give it: an honest partial answer.
        ("JET age limit?", "The documents do not give eligibility rules.", "an age limit"),
        ("JET deadline?", "The source documents do **not** give application deadlines.", "a deadline"),
        # Changing a detail is not asking for it.
        ("how do I switch the address the newsletter goes to", "Use /newsletter subscribe again.", None),
        ("change the venue for all future sessions", "Use /series edit.", None),
        ("JET deadline?", "Applications close on 1 December; deadlines vary by country.", None),
        ("JETの応募締め切りは？", "Apply through the embassy.", "a deadline"),
        ("Tokyo orientation hotel?", "New JETs attend an orientation in Tokyo.", "the venue"),
        ("where is pub night?", "Members check in with a code.", "the venue"),  # where a chapter's event is
        ("how much are the tickets for the expo?", "Osaka hosts Expo 2025.", "the cost"),
        ("i typed 03/04/2027 for the start and it wouldn't take it", "Dates are read day first.", None),
        # Someone else's question, reported: the asker wants the bot to answer it, not the fee itself.
        ("members keep asking how much the fee is, can I teach the bot?", "Organisers add answers.", None),
        ("members keep messaging me asking when pub night is, can the bot answer?", "Organisers add answers.", None),
        ("what happened in 2027?", "JET began in 1987.", "anything for 2027"),
        ("what time does the JLGC London office open, can I just walk in?", "JLGC London is at 15 Whitehall.",
         "opening hours"),
        ("what time does the office open?", "Open 9:30am to 5pm, Monday to Friday.", None),
        ("can I choose which prefecture I'm sent to?", "CLAIR places JETs with local governments.",
         "whether you can choose"),
        ("who decides where JETs are placed?", "CLAIR places JETs with local governments.", None),
        ("what kind of stuff do they ask you in the interview?", "MOFA runs selection.", "the questions asked"),
        ("is there a JET programme for teachers over 50?", "JET invites graduates.", "an age limit"),
        ("can u list the names of the people on the 2020 tour", "Eight officials visited Tokyo.", "their names"),
        ("who went on the tour?", "Officials Ann Lee and Tom Reed went.", None),
        ("how many people were at the reception?", "The Emperor attended a reception.", "how many took part"),
        ("do u think the 2050 goal is realistic?", "The summit set a 2050 goal.", "an opinion"),
        ("do you think I need Japanese for JET?", "CIRs need Japanese.", None),
        ("how many JETs came from over 65 countries?", "JET has 70,000 alumni.", None),  # not an age
        ("can I ring JLGC London? what number do I call", "JLGC London is at 15 Whitehall.", "a phone number"),
        ("can I call it a night?", "The office is in Whitehall.", None),
        ("where's the next U20 summit going to be?", "Tokyo hosted the 2019 summit.", "the date of the next one"),
        ("what did Newham council tell the delegation?", "Islington Council (Afghan resettlement), and others: Newham.",
         "what they presented"),
        ("what did Hackney council present?", "Islington Council (Afghan resettlement), and others: Newham, Hackney.",
         "what they presented"),
        ("what did Islington council present?", "Islington Council (Afghan resettlement), and others: Newham, Hackney.",
         None),
        ("what was Damian Atkinson's talk about?", "A talk on resilience by Damian Atkinson.", None),
        ("what did she talk about?", "The seminar covered elections.", None),  # "she": no name to look for
        ("what's the JETAA Germany chapter's website?", "JETAA Germany returned in 2017.", "a web address"),
        ("I read it on the JLGC website, what does MIC do?", "MIC funds JET.", None),
        ("who actually founded the JET alumni association?", "JETAA was founded in 1989.", "who founded it"),
        ("who founded U20?", "U20 was set up by the mayors of Buenos Aires and Paris.", None),
        ("did they actually work?", "Eleven boroughs tested ideas.", "how it turned out"),
        ("is there a limit on how many years you can do JET?", "JET began in 1987.", "a limit"),
        ("is there a limit on guests?", "Each member may bring up to 10 guests.", None),
        ("リマインダーがLINEで送られる？", "Reminders come as DMs.",
         "a way to send messages outside Discord (SMS, WhatsApp, LINE)"),
        ("is there a line for the event?", "Reminders come as DMs.", None),
        ("how much money did CLAIR put into it?", "CLAIR supports chapters.", "the cost"),
        ("how many years was he in the London job?", "He was Director General in 2019.", "how long it lasts"),
        ("can I just walk into the 15 Whitehall office?", "JLGC London is at 15 Whitehall.", "opening hours"),
        ("can you send me a text message before the event?", "Reminders come as DMs.",
         "a way to send messages outside Discord (SMS, WhatsApp, LINE)"),
        ("can a series repeat every day, like a daily study session?", "Series repeat weekly or monthly.",
         "a daily repeat"),
        ("what does an ALT do every day?", "ALTs assist in classrooms.", None),  # a day's work, not a rhythm
        ("can the reminder go out daily?", "Reminders go out daily until the event.", None),
        ("what are the dates of the 2021 tour?", "The tour was cancelled.", "the exact date"),
        ("where is the event page?", "Each event has a page.", None),
        ("do fellowship people stay in hotels?", "Participants stay with a local family.", None),  # a yes/no
        ("is JET worth it?", "JET began in 1987.", "an opinion"),
        ("which prefecture is the best one to get placed in?", "CLAIR places JETs.", "an opinion"),
        ("JETのSEAはどんなスポーツ？", "SEAs coach athletes.", "which sports"),
        ("what is Teesside University known for?", "JLGC visited its Here East campus.", "what it is known for"),
        ("how long is the fellowship?", "Participants spend about 10 days in Japan.", None),
        ("how long has the fellowship been running?", "It began in 1993.", None),  # a year answers it
        # the year a document said it is not the year the figure is for
        ("how many projects did the office support in 2019?",
         "In 2018 the office supported 85 projects (2019 interview).", "anything for 2019"),
        ("how many projects did the office support in 2018?",
         "In 2018 the office supported 85 projects (2019 interview).", None),
        ("where in japan was michael rivera king placed?", "He spoke at the reception.", "where they were placed"),
        ("where in japan are ALTs placed?", "ALTs work in schools.", None),  # a group, not a person
        ("where did the UK rank in the G7?", "The report compares UK and Japanese cities.", "a ranking"),
        ("does CLAIR let you pick your own prefecture?", "CLAIR places JETs.", "whether you can choose"),
        ("which prefecture was Michael Rivera King placed in?", "He spoke at the reception.", "where they were placed"),
        ("is JLGC London hiring right now?", "JLGC London supports councils.", "whether they are hiring"),
        ("what time does the office open, can I just walk in?", "The office is in Whitehall.", "opening hours"),
        ("easiest way to tick people off as they walk in the door?", "Use /checkin.", None),
        ("what books has asaki abumi written?", "She spoke at the online seminar.", "their writings"),
        ("which JETAA chapter is the biggest?", "There are 53 chapters in 16 countries.", "a ranking"),
        ("what did Damian Atkinson actually say in his talk? any quotes?", "He gave a talk on resilience.",
         "their own words"),
        ("which prefecture was he placed in and when?", "He did JET.", "where they were placed"),
        ("can clair secondees pick which overseas office they get sent to?", "Staff are seconded for three years.",
         "whether you can choose"),
        ("can you list all 27 cities in U20?", "In 2019, 27 major cities were members.", "the list of them"),
        # a list of other things, or fewer than asked for, is not the list
        ("which 11 boroughs were in the design lab?",
         "At the LSE, 11 boroughs shared needs. Other Boroughs of Sanctuary: Newham, Hackney, Greenwich.",
         "the list of them"),
        ("which three boroughs are Boroughs of Sanctuary?", "Boroughs of Sanctuary: Newham, Hackney, Greenwich.", None),
        ("can u list the names of the officials who came?", "They met Ann Lee and Tom Reed of the council.",
         "their names"),
        ("can u list the names of the officials who came?", "The officials were Ann Lee and Tom Reed.", None),
        ("who were the eight people on the tour?", "Eight officials, among them Ann Lee and Tom Reed, went.",
         "their names"),
        ("what did the Climbing the Summit report conclude?", "A think tank published a report on cities.",
         "what it found"),
        ("are Japanese big cities more productive than UK ones, going by the report?",
         "A think tank published a report comparing productivity.", "what it found"),
        ("what did the report find?", "The report found that Japanese cities have more powers.", None),
        ("what did the U20 communique say about emissions?", "It set a 2050 zero-emissions goal.", None),
        ("can i hand my going spot to my friend?", "Press Can't go and the place goes to the waitlist.",
         "a way to hand your place to someone else"),
        ("which city is hosting the next U20 summit?", "Tokyo hosted the 2019 summit.", "the date of the next one"),
        ("which city will host the next study tour?", "The next tour is planned in Shizuoka.", None),
        ("did the Jan 2021 study tour to Shizuoka actually happen?", "The tour was planned for January 2021.",
         "how it turned out"),
        ("U20サミットに来た市長の全員の名前知りたい", "Tokyo hosted the summit.", "their names"),
        ("is CIR pay higher than ALT pay? how much more per month?", "CIRs need high Japanese.", "the cost"),
        ("can the bot design and send out the newsletter email for us?", "Organisers export the list as a CSV.",
         "a way for the bot to write or send the newsletter itself"),
        ("how do i sign up for the newsletter?", "Use /newsletter subscribe.", None),
        ("does MEXT send a newsletter?", "MEXT oversees education.", None),  # asked of MEXT, not the bot
        ("is osaka a better place to invest than tokyo?", "Osaka promoted investment.", "an opinion"),
        ("how much did JLGC spend on the osaka expo campaign", "JLGC promoted Osaka abroad.", "the cost"),
        ("can we teach the bot our own faq stuff like the membership fee and where we meet?", "Use /kb add.", None),
        ("when do JET applications open in Germany this year?", "Applications opened in autumn 2016.",
         "the date of the next one"),
        ("CIRの面接でどんなこと聞かれる？", "MOFA runs the interviews.", "the questions asked"),
        ("CLAIRフェローシップってどうやって申し込むの？", "Officials spend 10 days in Japan.", "how to sign up"),
        ("CLAIRフェローシップってどうやって申し込むの？", "Apply through your council.", None),
    ],
)
def test_missing(question: str, answer: str, missing: str | None) -> None:
    assert attributes.missing(question, answer) == missing


def test_attribute_words_name_only_the_attribute() -> None:
    assert {"cost", "2025"} <= attributes.attribute_words("what will the 2025 tour cost")
    assert attributes.attribute_words("what does a CIR do") == frozenset()


def test_an_answer_that_says_the_documents_leave_it_out_denies_it() -> None:
    from bot.knowledge.attributes import denied

    text = "MOFA selects JETs. The source documents do **not** give application deadlines or salaries."
    assert denied("JETの応募締め切りっていつ？", text) and denied("what's the deadline?", text)
    assert not denied("how much does it cost?", "Fees vary.") and not denied("who selects JETs?", text)
