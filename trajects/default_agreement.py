# ruff: noqa: E501 - the texts are paragraphs, one per line, as the admin edits them
"""The first versions of the coaching agreement and the privacy statement, and the intake
questionnaire to start with (migration 0015 creates them; the admin writes new versions).
The functions take the model classes, so that the migration can pass its historical models."""

TERMS = (
    "Coachingsovereenkomst en voorwaarden",
    "Coaching agreement and terms",
    """Deze overeenkomst gaat over het coachingstraject tussen de praktijk en de cliënt. Bij een kind onder de 16 jaar geven de ouders met ouderlijk gezag mee akkoord; van 12 tot 16 jaar geeft ook het kind zelf akkoord.

Het traject begint met een intakegesprek. Daarin leggen we de hulpvraag, de levensgeschiedenis en de stappen die al gezet zijn vast in een dossier, dat de coach het hele traject bijhoudt. Het aantal sessies staat niet vooraf vast; tussentijds evalueren we samen hoe het gaat. De laatste sessie wordt uiterlijk in de sessie daarvoor aangekondigd.

Een afspraak kun je kosteloos afzeggen tot de termijn die bij het boeken staat. Zeg je later af of kom je niet, dan kan de praktijk de afspraak in rekening brengen. Zegt de coach af, dan kost dat jou niets.

De tarieven staan op de tarievenpagina van de praktijk. Een sessie wordt gefactureerd tegen het tarief dat geldt op de dag van de sessie. Een factuur betaal je binnen de termijn die erop staat.

De coach heeft een geheimhoudingsplicht. Contact met een derde partij, zoals een school of een huisarts, gebeurt alleen met jouw toestemming (bij een kind: die van de ouders met gezag), die je altijd kunt intrekken.

Coaching is geen medische of psychologische behandeling. Merkt de coach dat andere hulp nodig is, dan bespreekt zij dat met je en verwijst zij je door.

Je kunt het traject op elk moment stoppen. Afspraken die al gepland zijn, worden dan geannuleerd.""",
    """This agreement covers the coaching between the practice and the client. For a child under 16 the parents with parental authority accept it too; from 12 to 16 the child also accepts it.

The coaching starts with an intake. In it we record the help question, the life history and the steps already taken in a file that the coach keeps up to date for the whole traject. The number of sessions is not fixed in advance; along the way we evaluate together how it goes. The last session is announced at the latest in the session before it.

You can cancel an appointment free of charge up to the notice given when you book it. If you cancel later or do not come, the practice may charge the appointment. If the coach cancels, it costs you nothing.

The tariffs are on the practice's tariffs page. A session is invoiced at the tariff that applies on the day of the session. You pay an invoice within the term it states.

The coach is bound to confidentiality. Contact with a third party, such as a school or a GP, happens only with your consent (for a child: that of the parents with authority), which you can always withdraw.

Coaching is not a medical or psychological treatment. If the coach sees that other help is needed, she discusses it with you and refers you.

You can stop the coaching at any time. Appointments already planned are then cancelled.""",
)

PRIVACY = (
    "Privacyverklaring",
    "Privacy statement",
    """De praktijk verwerkt je persoonsgegevens om het coachingstraject te kunnen geven en te factureren. Dat zijn je naam en contactgegevens, je geboortedatum, de afspraken, het dossier met de intake en de aantekeningen van de coach, berichten, evaluaties en facturen. Bij een kind ook de gegevens van de ouders.

Het dossier bevat gevoelige gegevens. Het wordt versleuteld opgeslagen en alleen jouw coach kan het inzien. Elke inzage wordt vastgelegd; je kunt zelf zien wie je dossier wanneer heeft bekeken.

De praktijk deelt je gegevens niet met anderen, tenzij je daar toestemming voor geeft of de wet het verplicht (zoals de Belastingdienst voor facturen).

Je hebt recht op inzage, correctie en verwijdering van je gegevens, en je kunt al je gegevens downloaden in het portaal. Voor een kind onder de 16 oefenen de ouders met gezag deze rechten uit.

De praktijk bewaart het dossier zolang de wet het voorschrijft en niet langer; facturen worden zeven jaar bewaard. Daarna worden de gegevens gewist.

Heb je een vraag of een klacht over hoe de praktijk met je gegevens omgaat, neem dan contact op met de praktijk. Je kunt ook een klacht indienen bij de Autoriteit Persoonsgegevens.""",
    """The practice processes your personal data to provide the coaching and to invoice it. That is your name and contact details, your date of birth, the appointments, the file with the intake and the coach's notes, messages, evaluations and invoices. For a child also the parents' details.

The file holds sensitive data. It is stored encrypted and only your coach can read it. Every time it is opened is recorded; you can see for yourself who opened your file and when.

The practice does not share your data with others, unless you consent to it or the law requires it (such as the tax authority for invoices).

You have the right to see, correct and erase your data, and you can download all your data in the portal. For a child under 16 the parents with authority exercise these rights.

The practice keeps the file as long as the law requires and no longer; invoices are kept for seven years. After that the data is erased.

If you have a question or a complaint about how the practice handles your data, contact the practice. You can also complain to the Dutch Data Protection Authority (Autoriteit Persoonsgegevens).""",
)

INTAKE_QUESTIONNAIRE = (
    ("Voorbereiding op het intakegesprek", "Preparing for the intake"),
    (
        "Een paar vragen om het intakegesprek voor te bereiden. Je coach leest je antwoorden "
        "vooraf en bespreekt ze met je. Vul je dit in als ouder, schrijf dan over je kind.",
        "A few questions to prepare the intake. Your coach reads your answers beforehand and "
        "discusses them with you. If you fill this in as a parent, write about your child.",
    ),
    [
        ("Wat is je hulpvraag: waarmee wil je geholpen worden?",
         "What is your question for help: what would you like help with?", "help_question",
         True),
        ("Wat heb je al geprobeerd, en wat hielp wel of niet?",
         "What have you tried already, and what helped or did not?", "steps_taken", True),
        ("Wat wil je bereiken? Waaraan merk je straks dat de coaching geholpen heeft?",
         "What would you like to achieve? How will you notice that the coaching helped?",
         "goals", True),
        ("Is er iets uit je levensgeschiedenis dat je coach vooraf moet weten?",
         "Is there anything from your life history your coach should know beforehand?",
         "life_history", False),
    ],
)  # fmt: skip


def create_defaults(AgreementText, Questionnaire, Question) -> None:  # noqa: N803 - models
    """Version 1 of both texts and an intake questionnaire in use, where there are none yet."""
    for kind, (title, title_en, body, body_en) in (("terms", TERMS), ("privacy", PRIVACY)):
        if not AgreementText.objects.filter(kind=kind).exists():
            AgreementText.objects.create(
                kind=kind, version=1, title=title, title_en=title_en, body=body, body_en=body_en
            )
    if Questionnaire.objects.filter(kind="intake").exists():
        return
    (name, name_en), (intro, intro_en), questions = INTAKE_QUESTIONNAIRE
    questionnaire = Questionnaire.objects.create(
        kind="intake", name=name, name_en=name_en, intro=intro, intro_en=intro_en, active=True
    )
    for position, (text, text_en, field, required) in enumerate(questions, start=1):
        Question.objects.create(
            questionnaire=questionnaire,
            position=position,
            kind="open",
            text=text,
            text_en=text_en,
            intake_field=field,
            required=required,
        )
