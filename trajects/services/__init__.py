"""The workflows of trajects: the dossier (a traject, its steps, the intake, entries), e-mail
coaching, evaluations."""
