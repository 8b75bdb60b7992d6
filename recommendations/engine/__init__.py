"""The engine: pure pandas/numpy over integer ids, no ORM (``recommendations.analysis`` reads
and writes the database around it).

* ``proficiency.current_proficiency``: evidence -> level and confidence per employee and skill
* ``gaps.compute_gaps``: ranked gaps with urgency, mobility leverage, demand and priority
* ``gaps.readiness``: share of a role's weighted requirements met
* ``paths.project_paths``: plausible next roles with readiness and a time estimate
* ``opportunities.match_opportunities``: opportunities for each employee and candidates for each
* ``rationale``: the sentences a manager can repeat
"""
