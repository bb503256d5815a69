"""The practice's questionnaires to start with, in Dutch and English (migration 0006 creates
them; the admin changes them). `create_defaults` takes the model classes, so that the
migration can pass its historical models."""

SCALE, CHOICE, OPEN = "scale", "choice", "open"

QUESTIONNAIRES = {
    "interim": (
        ("Tussentijdse evaluatie", "Interim evaluation"),
        (
            "Een paar vragen over hoe de coaching tot nu toe gaat. Je coach bespreekt ze graag "
            "met je in een volgende sessie.",
            "A few questions on how the coaching is going so far. Your coach will be glad to "
            "discuss them with you in a coming session.",
        ),
        [
            (SCALE, "Hoe tevreden ben je over de coaching tot nu toe?",
             "How satisfied are you with the coaching so far?"),
            (SCALE, "In hoeverre kom je dichter bij je doel?",
             "To what extent are you getting closer to your goal?"),
            (SCALE, "Hoe ervaar je het contact met je coach?",
             "How do you experience the contact with your coach?"),
            (CHOICE, "Hoe vaak wil je een sessie?", "How often would you like a session?",
             "Zoals nu\nVaker\nMinder vaak", "As now\nMore often\nLess often"),
            (OPEN, "Wat helpt je het meest?", "What helps you most?"),
            (OPEN, "Wat zou je anders willen?", "What would you like to be different?", "", "",
             False),
        ],
    ),
    "final": (
        ("Eindevaluatie", "Final evaluation"),
        (
            "Het traject is afgerond. Hoe kijk je erop terug?",
            "The coaching has come to an end. How do you look back on it?",
        ),
        [
            (SCALE, "Hoe tevreden ben je over het hele traject?",
             "How satisfied are you with the coaching as a whole?"),
            (SCALE, "In hoeverre heb je je doel bereikt?",
             "To what extent did you reach your goal?"),
            (SCALE, "Hoe ervaar je het contact met je coach?",
             "How did you experience the contact with your coach?"),
            (CHOICE, "Zou je de praktijk aanraden aan anderen?",
             "Would you recommend the practice to others?", "Ja\nMisschien\nNee",
             "Yes\nMaybe\nNo"),
            (OPEN, "Wat heeft de coaching je opgeleverd?", "What did the coaching bring you?"),
            (OPEN, "Heb je tips voor je coach?", "Do you have any tips for your coach?", "", "",
             False),
        ],
    ),
    "backstage": (
        ("Backstage-evaluatie", "Backstage evaluation"),
        (
            "Hoe gaat het met de Backstage-groep? Je antwoorden helpen de coach de groep als "
            "geheel te begeleiden.",
            "How is the Backstage group going? Your answers help the coach guide the group as "
            "a whole.",
        ),
        [
            (SCALE, "Hoe waardevol vind je de bijeenkomsten?",
             "How valuable do you find the meetings?"),
            (SCALE, "Hoe veilig voel je je om een probleem in te brengen?",
             "How safe do you feel bringing in a problem?"),
            (SCALE, "In hoeverre helpen de afspraken je in je werk?",
             "To what extent do the agreements help you in your work?"),
            (SCALE, "Hoe werkt de groep als geheel samen?",
             "How well does the group work together as a whole?"),
            (CHOICE, "Het tempo van de bijeenkomsten is…", "The pace of the meetings is…",
             "Te langzaam\nGoed\nTe snel", "Too slow\nRight\nToo fast"),
            (OPEN, "Wat neem je mee uit de groep?", "What do you take away from the group?"),
            (OPEN, "Wat kan beter?", "What could be better?", "", "", False),
        ],
    ),
}  # fmt: skip


def create_defaults(Questionnaire, Question) -> None:  # noqa: N803 - model classes
    """One questionnaire of every kind that has none yet."""
    for kind, ((name, name_en), (intro, intro_en), questions) in QUESTIONNAIRES.items():
        if Questionnaire.objects.filter(kind=kind).exists():
            continue
        questionnaire = Questionnaire.objects.create(
            kind=kind, name=name, name_en=name_en, intro=intro, intro_en=intro_en, active=True
        )
        for position, question in enumerate(questions, start=1):
            qkind, text, text_en, *rest = question
            defaults = ["", "", True]  # choices, choices_en, required
            choices, choices_en, required = rest + defaults[len(rest) :]
            Question.objects.create(
                questionnaire=questionnaire,
                position=position,
                kind=qkind,
                text=text,
                text_en=text_en,
                choices=choices,
                choices_en=choices_en,
                required=required,
            )
