"""The trajects app's pages: the coach's dashboard, clients, trajects with their dossier,
e-mail coaching and evaluations (one module each)."""
