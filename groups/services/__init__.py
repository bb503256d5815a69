"""The workflows of Backstage groups: the group's life (groups), who joins (members), its meetings
and turns (meetings)."""
