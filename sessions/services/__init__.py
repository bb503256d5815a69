"""The calendar's workflows: booking, moving and cancelling (booking), the kennismaking asked for
on the website (prospects) and its bedenktijd (kennismaking), a traject's end (traject_end), the
coach's video room (video_rooms)."""
