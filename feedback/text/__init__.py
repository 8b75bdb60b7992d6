"""What the free text says: skill mentions and recurring themes.

Pure modules over strings, numpy and scipy, with no ORM inside (like ``recommendations/engine``):
``tagger`` finds the taxonomy skills a text speaks of, ``baseline`` is the plain label matcher it
is measured against, ``themes`` finds what recurs across a person's texts, ``evaluation`` scores
a tagger on labelled public text. The ORM reads and writes around them in ``feedback.mentions``.
"""
