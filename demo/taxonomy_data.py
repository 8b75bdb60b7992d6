"""Curated demo content, as plain data: the pilot's taxonomy, its people, and the large-org extension.

The pilot follows the implementation guide's advice for a first pilot: one Data & Analytics
function of about 40 people, eight role types, six to ten competencies per role, and a
behavioural anchor for every skill at every level, written as something a manager could
observe rather than "level 3 of X". ``generator`` turns this into rows; nothing here touches
the database.

The large-org part (``LARGE_*``) adds job families whose skills are generated from
``<domain> <capability>`` pairs, so a benchmark organisation has a few hundred plausible skills
without hand-writing each one. Everything is keyed by natural keys (skill name, role title,
family name), so the generator can upsert.
"""

# --- Skill categories --------------------------------------------------------------------

SKILL_CATEGORIES = {
    "Data analysis": "Turning data into answers: querying, statistics, visualisation, forecasting.",
    "Data engineering": "Building and running the data platform: pipelines, models, quality, governance.",
    "Programming & tooling": "Writing, testing and sharing code.",
    "Communication & influence": "Working with and through other people.",
    "Leadership": "Leading people, teams and change.",
    "Business & product": "Understanding the business and the products that data serves.",
    "People practice": "HR expertise: employee relations, workforce planning, employment law.",
}

# --- Skills with behavioural anchors (level 1 awareness ... level 4 mastery) ---------------

SKILLS = [
    {
        "name": "SQL",
        "category": "Data analysis",
        "kind": "technical",
        "description": "Querying relational databases and warehouses to answer questions accurately and efficiently.",
        "aliases": ["Structured Query Language", "T-SQL", "PostgreSQL", "BigQuery SQL", "querying"],
        "anchors": (
            "Reads a simple SELECT query and explains what it returns; reruns saved queries from the "
            "team's library, changing filters and date ranges with guidance.",
            "Writes queries with joins, aggregations and filters to answer a defined question; checks row "
            "counts and spot-checks results against a known figure before sharing them.",
            "Writes complex queries (window functions, CTEs, subqueries) against unfamiliar schemas; "
            "diagnoses slow queries from the query plan and reviews colleagues' SQL for correctness.",
            "Designs the shared views and query patterns the team builds on; sets SQL conventions, resolves "
            "the hardest performance and correctness problems and teaches others how.",
        ),
    },
    {
        "name": "Python",
        "category": "Programming & tooling",
        "kind": "technical",
        "description": "Using Python and its data libraries (pandas, NumPy) for analysis, automation and pipelines.",
        "aliases": ["pandas", "Jupyter", "NumPy", "Python scripting"],
        "anchors": (
            "Runs an existing notebook or script, changes its parameters and reads the output; can explain "
            "what a function, a loop and a DataFrame are.",
            "Writes scripts and notebooks that load, clean and summarise data with pandas; uses functions "
            "instead of copy-paste and keeps their code under version control.",
            "Builds reusable, tested modules and command-line tools that other people run; profiles and "
            "vectorises slow code and handles bad input explicitly.",
            "Sets the team's Python standards (project layout, packaging, testing, typing); designs libraries "
            "used across teams and mentors others through complex code reviews.",
        ),
    },
    {
        "name": "Data visualisation",
        "category": "Data analysis",
        "kind": "technical",
        "description": "Designing charts and dashboards that show the right thing honestly and clearly.",
        "aliases": ["dashboards", "Tableau", "Power BI", "Looker", "charting", "data viz"],
        "anchors": (
            "Reads standard charts correctly and notices when an axis, scale or colour misleads; builds a "
            "basic chart in the BI tool from an existing dataset.",
            "Chooses a chart type that fits the question (trend, comparison, distribution); labels axes and "
            "units, removes clutter and builds dashboards from the team's templates.",
            "Designs dashboards around the decisions their audience makes, with sensible defaults, filters "
            "and annotations; tests them with users and iterates on the feedback.",
            "Defines the organisation's visual standards and chart library; critiques and improves others' "
            "work and invents clear ways to show complex, many-dimensional data.",
        ),
    },
    {
        "name": "Statistical modelling",
        "category": "Data analysis",
        "kind": "technical",
        "description": "Choosing, fitting and validating statistical models, and explaining what they can and cannot say.",
        "aliases": ["statistics", "regression", "inferential statistics", "econometrics"],
        "anchors": (
            "Explains mean, median, variance and correlation, and why correlation is not causation; "
            "recognises when a result needs review by someone more experienced.",
            "Fits and interprets linear and logistic regressions with guidance; reports confidence intervals "
            "rather than single numbers and checks the basic assumptions.",
            "Chooses a suitable model for the question and the data (mixed effects, survival, time series); "
            "validates it out of sample and explains its limits to non-specialists.",
            "Sets the modelling standards the team follows; reviews high-stakes models, develops new methods "
            "when standard ones fail and is consulted on methodology across the organisation.",
        ),
    },
    {
        "name": "Experiment design",
        "category": "Data analysis",
        "kind": "technical",
        "description": "Designing and reading A/B tests and other experiments so that decisions rest on causal evidence.",
        "aliases": ["A/B testing", "split testing", "randomised controlled trials", "causal inference"],
        "anchors": (
            "Explains why a randomised control group is needed and what a p-value does and does not say; "
            "follows the team's A/B test checklist.",
            "Sets up a standard A/B test with a hypothesis, one primary metric and a sample-size calculation; "
            "reads the result without peeking early or cherry-picking segments.",
            "Designs non-standard experiments (switchback, cluster-randomised, quasi-experiments where "
            "randomisation is impossible); catches contamination and novelty effects and recommends a decision.",
            "Owns the experimentation framework and its guardrail metrics; trains product teams to run tests "
            "themselves and arbitrates disputed results.",
        ),
    },
    {
        "name": "Forecasting",
        "category": "Data analysis",
        "kind": "technical",
        "description": "Predicting demand, volumes or revenue with honest ranges, and measuring how good the forecasts were.",
        "aliases": ["time series", "demand forecasting", "predictive planning"],
        "anchors": (
            "Reads a forecast with its range and explains why forecasts carry uncertainty; updates an existing "
            "forecast spreadsheet with new actuals.",
            "Builds baseline forecasts (seasonal naive, moving average, exponential smoothing) and measures "
            "their accuracy against actuals every period.",
            "Builds driver-based forecasts (price, promotions, seasonality), backtests them and explains the "
            "range of outcomes to the planners who use them.",
            "Owns the organisation's forecasting process: sets accuracy targets, reconciles forecasts across "
            "teams and leads the response when forecasts miss.",
        ),
    },
    {
        "name": "Machine learning fundamentals",
        "category": "Data analysis",
        "kind": "technical",
        "description": "Framing problems for machine learning, training and evaluating models, and knowing when not to.",
        "aliases": ["machine learning", "ML", "scikit-learn", "predictive modelling"],
        "anchors": (
            "Explains supervised and unsupervised learning, training and test data and overfitting; recognises "
            "where a model is used in the product.",
            "Trains and evaluates standard models (for example gradient boosting) with cross-validation and "
            "metrics that fit the problem, with guidance.",
            "Frames business problems as ML tasks, engineers features, checks for leakage and bias and explains "
            "the model's behaviour to stakeholders.",
            "Decides where ML is and is not worth it; sets standards for model validation, monitoring and "
            "fairness across the organisation.",
        ),
    },
    {
        "name": "Data modelling",
        "category": "Data engineering",
        "kind": "technical",
        "description": "Designing tables, keys and dimensional models so data is correct, consistent and easy to query.",
        "aliases": ["dimensional modelling", "star schema", "dbt models", "Kimball"],
        "anchors": (
            "Explains tables, keys and relationships; reads an entity-relationship diagram and finds where a "
            "field lives.",
            "Designs tables for a new source following the team's conventions (naming, keys, types) and builds "
            "simple star schemas of facts and dimensions.",
            "Models complex domains with slowly changing dimensions, bridge tables and a clear grain; balances "
            "query speed against storage and documents the trade-offs.",
            "Defines the organisation's modelling standards and canonical entities (customer, product, order) "
            "and resolves conflicting definitions between domains.",
        ),
    },
    {
        "name": "Data pipeline design",
        "category": "Data engineering",
        "kind": "technical",
        "description": "Building reliable batch and streaming pipelines that move and transform data on time.",
        "aliases": ["ETL", "ELT", "Airflow", "orchestration", "data pipelines"],
        "anchors": (
            "Explains extract, transform and load steps and reads an existing pipeline's DAG; reruns a failed "
            "job by following the runbook.",
            "Builds batch pipelines from templates with scheduling, retries and logging; makes loads idempotent "
            "so a rerun never duplicates rows.",
            "Designs pipelines end to end for new sources, including incremental loads, backfills, monitoring "
            "and alerting; chooses batch or streaming for the latency actually needed.",
            "Designs the platform patterns every pipeline follows; leads recovery from major data incidents and "
            "agrees data service levels with the business.",
        ),
    },
    {
        "name": "Cloud data platforms",
        "category": "Data engineering",
        "kind": "technical",
        "description": "Running warehouses, lakes and compute in the cloud securely and at a sensible cost.",
        "aliases": ["Snowflake", "BigQuery", "Databricks", "AWS", "Azure", "data warehouse"],
        "anchors": (
            "Navigates the cloud console and warehouse interface; knows where the team's data is stored, roughly "
            "what it costs and who has access.",
            "Provisions warehouse objects, storage and service accounts from existing infrastructure-as-code "
            "templates and tunes simple queries for cost.",
            "Designs environments, permissions and cost controls for a team's data estate; automates deployments "
            "and diagnoses performance and billing spikes.",
            "Sets the organisation's cloud data architecture and vendor strategy, negotiates capacity and leads "
            "platform migrations.",
        ),
    },
    {
        "name": "Data quality management",
        "category": "Data engineering",
        "kind": "technical",
        "description": "Measuring and improving the completeness, accuracy and freshness of data people rely on.",
        "aliases": ["data quality", "data testing", "data observability", "Great Expectations"],
        "anchors": (
            "Spots obvious anomalies (nulls, duplicates, impossible values) and reports them to the data owner "
            "with an example.",
            "Writes automated checks for completeness, uniqueness and freshness on the datasets they own, and "
            "fixes the failures those checks raise.",
            "Agrees quality rules with business owners, traces issues to their root cause upstream and publishes "
            "quality scores that users can see.",
            "Runs the organisation's data quality programme (ownership, service levels, escalation) and makes "
            "quality a measured part of every data product.",
        ),
    },
    {
        "name": "Data governance and privacy",
        "category": "Data engineering",
        "kind": "domain",
        "description": "Handling data lawfully and safely: classification, access, retention, GDPR.",
        "aliases": ["GDPR", "data protection", "data governance", "privacy by design"],
        "anchors": (
            "Follows the data-handling rules: classifies data, requests access properly and keeps personal data "
            "out of shared drives and chat.",
            "Applies privacy by design in their own work: minimises personal data, pseudonymises where possible "
            "and records the lawful basis for processing.",
            "Runs data protection impact assessments, defines access policies for a domain and advises teams on "
            "GDPR questions.",
            "Owns the governance framework (ownership, lineage, retention) and represents the organisation to "
            "regulators and auditors.",
        ),
    },
    {
        "name": "Software engineering practices",
        "category": "Programming & tooling",
        "kind": "technical",
        "description": "Version control, testing, code review and continuous integration.",
        "aliases": ["git", "code review", "unit testing", "CI/CD", "version control"],
        "anchors": (
            "Uses git to clone, branch and commit; opens a pull request and responds to review comments.",
            "Writes unit tests for their own code, keeps commits small and reviewable and follows the team's CI "
            "checks and style rules.",
            "Designs code for change (clear interfaces, tests at the right level); reviews others' pull requests "
            "thoroughly and improves the team's CI pipeline.",
            "Sets engineering standards across teams, leads architectural decisions and introduces practices "
            "that measurably improve delivery.",
        ),
    },
    {
        "name": "Workforce analytics",
        "category": "People practice",
        "kind": "technical",
        "description": "Measuring and analysing the workforce: headcount, turnover, engagement, pay equity.",
        "aliases": ["people analytics", "HR analytics", "HR reporting"],
        "anchors": (
            "Reads standard HR reports (headcount, turnover, absence) and explains how each figure is defined.",
            "Produces HR metrics from the HR system with correct definitions and filters; spots when small groups "
            "make a figure unreliable or identify individuals.",
            "Analyses the drivers of turnover, engagement or pay gaps with sound methods and turns them into "
            "recommendations leaders act on.",
            "Designs the people-analytics strategy, metric definitions and privacy safeguards, and advises the "
            "executive team with evidence.",
        ),
    },
    {
        "name": "Stakeholder management",
        "category": "Communication & influence",
        "kind": "interpersonal",
        "description": "Understanding what the people who depend on your work need, and keeping their trust.",
        "aliases": ["stakeholder engagement", "client management", "expectation management"],
        "anchors": (
            "Knows who the main stakeholders of their work are and keeps them informed when asked.",
            "Agrees scope and deadlines with stakeholders up front, gives progress updates without being chased "
            "and flags risks early.",
            "Manages competing stakeholders proactively: maps their interests, negotiates trade-offs and says no "
            "with an alternative when a request does not fit.",
            "Builds trusted relationships at senior levels across the organisation, resolves escalated conflicts "
            "and shapes stakeholders' agendas instead of reacting to them.",
        ),
    },
    {
        "name": "Storytelling with data",
        "category": "Communication & influence",
        "kind": "interpersonal",
        "description": "Turning analysis into a clear, honest story that leads an audience to a decision.",
        "aliases": ["data storytelling", "presenting insights", "insight communication"],
        "anchors": (
            "States the main finding of their analysis in one sentence before presenting the detail.",
            "Structures a presentation as question, answer, evidence and recommendation, and tailors the level "
            "of detail to the audience.",
            "Builds a narrative that leads senior audiences to a decision; anticipates objections and answers "
            "questions with evidence rather than jargon.",
            "Changes how the organisation makes decisions through compelling, honest stories; coaches others and "
            "presents to executives and external audiences.",
        ),
    },
    {
        "name": "Prioritisation",
        "category": "Communication & influence",
        "kind": "interpersonal",
        "description": "Choosing what to work on, and what not to, by value, effort and urgency.",
        "aliases": ["prioritization", "time management", "backlog management"],
        "anchors": (
            "Works through tasks in the order agreed with their lead and asks when priorities conflict.",
            "Orders their own work by impact and urgency, estimates effort and renegotiates deadlines early when "
            "something slips.",
            "Prioritises a team backlog against explicit criteria (value, effort, risk), makes the trade-offs "
            "visible and stops low-value work.",
            "Sets priorities across teams in line with strategy, decides explicitly what the organisation will "
            "not do and holds to it under pressure.",
        ),
    },
    {
        "name": "Cross-functional collaboration",
        "category": "Communication & influence",
        "kind": "interpersonal",
        "description": "Working well with people in other functions towards a shared goal.",
        "aliases": ["teamwork", "collaboration", "working across teams"],
        "anchors": (
            "Shares information promptly with colleagues in other teams and responds to their requests.",
            "Works effectively in a mixed team (product, engineering, design), understands each role's "
            "constraints and keeps their commitments.",
            "Brings different functions together to solve shared problems, builds common goals and resolves "
            "friction between teams.",
            "Designs ways of working across departments (shared rituals, metrics and team structures) that remove "
            "silos across the organisation.",
        ),
    },
    {
        "name": "Influencing",
        "category": "Communication & influence",
        "kind": "interpersonal",
        "description": "Winning support for ideas and decisions without relying on authority.",
        "aliases": ["persuasion", "negotiation", "executive presence"],
        "anchors": (
            "Explains their view clearly and backs it with at least one piece of evidence.",
            "Adapts their argument to what the listener cares about and builds support one-to-one before meetings.",
            "Wins support for contested proposals across teams by building coalitions and adjusting the proposal "
            "to address concerns.",
            "Shifts opinion at executive level on strategic questions and is sought out to champion "
            "organisation-wide changes.",
        ),
    },
    {
        "name": "Coaching",
        "category": "Leadership",
        "kind": "leadership",
        "description": "Helping others grow through feedback, questions and deliberate practice.",
        "aliases": ["mentoring", "giving feedback", "developing others"],
        "anchors": (
            "Shares what they know when asked and gives a newcomer useful pointers.",
            "Gives specific, timely feedback on behaviour and its impact, and asks open questions that help a "
            "colleague work through a problem.",
            "Runs regular coaching conversations with agreed goals, adapts their style to each person and can "
            "show the measurable progress of the people they coach.",
            "Builds a coaching culture: trains managers to coach, designs development programmes and is sought "
            "out as a coach by senior leaders.",
        ),
    },
    {
        "name": "Team leadership",
        "category": "Leadership",
        "kind": "leadership",
        "description": "Setting direction for a team, organising its work and looking after its people.",
        "aliases": ["people management", "line management", "managing teams"],
        "anchors": (
            "Takes the lead on a small task within the team and keeps others informed.",
            "Leads a small project or workstream day to day: assigns tasks, runs stand-ups and unblocks colleagues.",
            "Leads a team: sets clear goals, delegates by strength and development need, runs one-to-ones and "
            "addresses performance issues early.",
            "Leads leaders: builds multi-team structures, develops successors and sustains engagement and "
            "performance through change.",
        ),
    },
    {
        "name": "Strategic planning",
        "category": "Leadership",
        "kind": "leadership",
        "description": "Setting medium- and long-term goals and the plan to reach them.",
        "aliases": ["strategy", "OKRs", "business planning", "roadmapping"],
        "anchors": (
            "Explains how their team's work connects to the organisation's goals.",
            "Contributes analysis and options to the team's annual plan and tracks progress against its objectives.",
            "Writes their function's plan: sets objectives and key results, sequences investments and revisits "
            "the plan when conditions change.",
            "Shapes organisational strategy: anticipates market and technology shifts, makes multi-year bets and "
            "aligns other leaders behind them.",
        ),
    },
    {
        "name": "Hiring and developing talent",
        "category": "Leadership",
        "kind": "leadership",
        "description": "Bringing the right people in and growing them into bigger roles.",
        "aliases": ["recruiting", "interviewing", "talent development", "succession planning"],
        "anchors": (
            "Takes part in interviews with the given questions and scorecard and writes evidence-based feedback.",
            "Runs structured interviews independently and onboards new joiners with a clear 30-60-90-day plan.",
            "Designs hiring processes for their team that reduce bias, and agrees a development plan with every "
            "report, including stretch assignments.",
            "Builds the talent pipeline for a function (succession plans, internal mobility, employer brand) and "
            "consistently grows people into senior roles.",
        ),
    },
    {
        "name": "Change management",
        "category": "Leadership",
        "kind": "leadership",
        "description": "Planning and leading changes to how people work so that they stick.",
        "aliases": ["change leadership", "transformation", "adoption"],
        "anchors": (
            "Adopts new processes and tools when they are introduced and gives constructive feedback on them.",
            "Helps colleagues through a change: explains the reasons, answers questions and reports resistance to "
            "the change lead.",
            "Plans and leads a change for a team or process: stakeholder analysis, communication plan, training "
            "and adoption metrics.",
            "Leads organisation-wide transformation, sequences several changes at once and sustains momentum "
            "through setbacks.",
        ),
    },
    {
        "name": "Product analytics",
        "category": "Business & product",
        "kind": "domain",
        "description": "Measuring how people use a product and what that means for the roadmap.",
        "aliases": ["funnel analysis", "cohort analysis", "user analytics", "Amplitude", "Mixpanel"],
        "anchors": (
            "Explains the product's core metrics (activation, retention, conversion) and where to find them.",
            "Builds funnel and cohort analyses for a feature and explains the changes in user behaviour they show.",
            "Defines the metric framework for a product area, links behaviour to business outcomes and shapes "
            "the roadmap with the findings.",
            "Sets product measurement strategy across the portfolio and is a trusted partner to product "
            "leadership on where to invest.",
        ),
    },
    {
        "name": "Commercial acumen",
        "category": "Business & product",
        "kind": "domain",
        "description": "Understanding how the organisation makes money and the financial effect of decisions.",
        "aliases": ["business acumen", "financial literacy", "P&L understanding"],
        "anchors": (
            "Explains how the organisation makes money and which figures (revenue, margin, cost) their work affects.",
            "Estimates the financial impact of their recommendations in simple terms, such as revenue at stake or "
            "cost saved.",
            "Builds business cases with sensitivities, ties analytics work to the P&L and challenges proposals "
            "whose numbers do not add up.",
            "Shapes commercial strategy with business leaders and spots new revenue or efficiency opportunities "
            "in the data.",
        ),
    },
    {
        "name": "Employee relations",
        "category": "People practice",
        "kind": "domain",
        "description": "Handling grievances, disciplinaries and workplace conflict fairly and consistently.",
        "aliases": ["ER", "case management", "grievances", "disciplinaries"],
        "anchors": (
            "Knows the main HR policies (grievance, disciplinary, absence) and directs managers to them.",
            "Advises managers on routine cases such as absence management and informal performance concerns, "
            "keeping accurate case notes.",
            "Handles complex cases (grievances, disciplinaries, investigations) fairly and consistently and "
            "coaches managers through difficult conversations.",
            "Leads sensitive and collective cases, consults employee representatives and changes policy in "
            "response to case trends.",
        ),
    },
    {
        "name": "Workforce planning",
        "category": "People practice",
        "kind": "domain",
        "description": "Matching the organisation's future need for people and skills with supply.",
        "aliases": ["headcount planning", "strategic workforce planning", "capacity planning"],
        "anchors": (
            "Explains headcount, vacancies and attrition and where they are reported.",
            "Maintains headcount plans with finance and flags gaps between planned and actual staffing.",
            "Builds supply-and-demand models for critical skills and recommends whether to build, buy or borrow them.",
            "Leads strategic workforce planning with the executive team, linking multi-year business plans to "
            "investment in capabilities.",
        ),
    },
    {
        "name": "Employment law",
        "category": "People practice",
        "kind": "domain",
        "description": "Applying employment legislation correctly in everyday HR practice.",
        "aliases": ["labour law", "HR compliance", "employment legislation"],
        "anchors": (
            "Recognises situations with legal risk (dismissal, discrimination, data requests) and escalates them.",
            "Applies standard legal requirements in routine processes (contracts, right to work, working time) "
            "correctly.",
            "Advises on complex cases that touch several areas of law and judges when to involve legal counsel.",
            "Anticipates legislative change, assesses the organisation's exposure and leads policy changes before "
            "they take effect.",
        ),
    },
]

# --- Job families, roles and what each role requires --------------------------------------

JOB_FAMILIES = {
    "Data & Analytics": "Analysts, engineers and leaders who turn data into decisions.",
    "People": "HR partners and specialists who look after the organisation's people.",
}

# requirements: (skill, target level 1-4, importance 1-5, core)
ROLES = [
    {
        "title": "Data Analyst",
        "family": "Data & Analytics",
        "grade": 1,
        "description": "Answers business questions with data: queries, dashboards and clear write-ups.",
        "requirements": [
            ("SQL", 2, 5, True),
            ("Data visualisation", 2, 4, True),
            ("Storytelling with data", 2, 4, True),
            ("Stakeholder management", 2, 3, False),
            ("Statistical modelling", 1, 3, False),
            ("Prioritisation", 2, 3, False),
            ("Python", 1, 2, False),
            ("Data quality management", 1, 2, False),
            ("Commercial acumen", 1, 2, False),
        ],
    },
    {
        "title": "Product Analyst",
        "family": "Data & Analytics",
        "grade": 1,
        "description": "Measures product usage and runs experiments with a product team.",
        "requirements": [
            ("SQL", 2, 5, True),
            ("Product analytics", 2, 5, True),
            ("Experiment design", 2, 4, True),
            ("Storytelling with data", 2, 4, False),
            ("Data visualisation", 2, 3, False),
            ("Statistical modelling", 2, 3, False),
            ("Cross-functional collaboration", 2, 3, False),
            ("Stakeholder management", 2, 3, False),
            ("Machine learning fundamentals", 1, 2, False),
        ],
    },
    {
        "title": "Senior Data Analyst",
        "family": "Data & Analytics",
        "grade": 2,
        "description": "Leads complex analyses end to end and guides other analysts.",
        "requirements": [
            ("SQL", 3, 5, True),
            ("Statistical modelling", 3, 4, True),
            ("Data visualisation", 3, 4, True),
            ("Storytelling with data", 3, 4, False),
            ("Stakeholder management", 3, 4, False),
            ("Prioritisation", 3, 3, False),
            ("Python", 2, 3, False),
            ("Experiment design", 2, 3, False),
            ("Forecasting", 2, 3, False),
            ("Coaching", 1, 2, False),
        ],
    },
    {
        "title": "Data Engineer",
        "family": "Data & Analytics",
        "grade": 1,
        "description": "Builds and runs the pipelines and models the analysts depend on.",
        "requirements": [
            ("SQL", 3, 5, True),
            ("Python", 2, 5, True),
            ("Data pipeline design", 2, 4, True),
            ("Data modelling", 2, 4, False),
            ("Software engineering practices", 2, 4, False),
            ("Cloud data platforms", 2, 3, False),
            ("Data quality management", 2, 3, False),
            ("Cross-functional collaboration", 1, 2, False),
        ],
    },
    {
        "title": "Senior Data Engineer",
        "family": "Data & Analytics",
        "grade": 2,
        "description": "Designs the data platform's pipelines and models and leads the engineers who build them.",
        "requirements": [
            ("Data pipeline design", 3, 5, True),
            ("Python", 3, 5, True),
            ("Data modelling", 3, 4, True),
            ("Cloud data platforms", 3, 4, False),
            ("Software engineering practices", 3, 4, False),
            ("Data quality management", 3, 4, False),
            ("Data governance and privacy", 2, 3, False),
            ("Coaching", 2, 2, False),
            ("Stakeholder management", 2, 2, False),
        ],
    },
    {
        "title": "Analytics Team Lead",
        "family": "Data & Analytics",
        "grade": 3,
        "description": "Leads a team of analysts serving one part of the business.",
        "requirements": [
            ("Team leadership", 3, 5, True),
            ("Coaching", 3, 5, True),
            ("Stakeholder management", 3, 4, True),
            ("Prioritisation", 3, 4, False),
            ("Storytelling with data", 3, 4, False),
            ("SQL", 3, 3, False),
            ("Statistical modelling", 3, 3, False),
            ("Hiring and developing talent", 2, 3, False),
        ],
    },
    {
        "title": "Analytics Manager",
        "family": "Data & Analytics",
        "grade": 4,
        "description": "Runs an analytics function: its strategy, its leads and its place in the business.",
        "requirements": [
            ("Strategic planning", 3, 5, True),
            ("Team leadership", 4, 5, True),
            ("Influencing", 4, 4, True),
            ("Coaching", 3, 4, False),
            ("Stakeholder management", 4, 4, False),
            ("Hiring and developing talent", 3, 4, False),
            ("Change management", 3, 3, False),
            ("Commercial acumen", 3, 3, False),
            ("Data governance and privacy", 2, 3, False),
        ],
    },
    {
        "title": "People Partner",
        "family": "People",
        "grade": 3,
        "description": "The HR business partner for a function: advises its leaders on people, change and policy.",
        "requirements": [
            ("Employee relations", 3, 5, True),
            ("Employment law", 3, 4, True),
            ("Coaching", 3, 4, True),
            ("Workforce planning", 3, 4, False),
            ("Change management", 3, 4, False),
            ("Stakeholder management", 3, 4, False),
            ("Hiring and developing talent", 3, 3, False),
            ("Influencing", 3, 3, False),
            ("Workforce analytics", 2, 3, False),
        ],
    },
]

# (from role, to role, kind); kind is promotion, lateral or adjacent.
MOBILITY_PATHS = [
    ("Data Analyst", "Senior Data Analyst", "promotion"),
    ("Data Analyst", "Product Analyst", "lateral"),
    ("Product Analyst", "Data Analyst", "lateral"),
    ("Data Analyst", "Data Engineer", "adjacent"),
    ("Product Analyst", "Senior Data Analyst", "promotion"),
    ("Data Engineer", "Senior Data Engineer", "promotion"),
    ("Data Engineer", "Data Analyst", "adjacent"),
    ("Senior Data Analyst", "Analytics Team Lead", "promotion"),
    ("Senior Data Analyst", "Senior Data Engineer", "adjacent"),
    ("Senior Data Engineer", "Analytics Team Lead", "promotion"),
    ("Analytics Team Lead", "Analytics Manager", "promotion"),
]

# --- Business units and their emerging skill demand ---------------------------------------

BUSINESS_UNITS = {
    "Consumer & Digital": "CDG",
    "Commercial & Supply Chain": "CSC",
    "Group Functions": "GRP",
}

# business unit -> [(skill, weight 0-1, note)]
SKILL_DEMAND = {
    "Consumer & Digital": [
        ("Experiment design", 0.9, "Every product squad is expected to test its changes from next quarter."),
        ("Product analytics", 0.8, "New app launch needs funnel and retention reporting."),
        ("Machine learning fundamentals", 0.7, "Personalised recommendations are on the 2027 roadmap."),
        ("Storytelling with data", 0.5, "Leadership asked for fewer dashboards and clearer recommendations."),
    ],
    "Commercial & Supply Chain": [
        ("Forecasting", 0.9, "Demand planning moves from spreadsheets to statistical forecasts."),
        ("Commercial acumen", 0.7, "Analysts join the monthly trading review."),
        ("Statistical modelling", 0.6, "Price elasticity work for the pricing programme."),
        ("Stakeholder management", 0.4, "More requests come straight from category managers."),
    ],
    "Group Functions": [
        ("Data governance and privacy", 0.85, "Group-wide data retention policy lands next year."),
        ("Cloud data platforms", 0.75, "Warehouse migration to the cloud platform."),
        ("Workforce analytics", 0.6, "Pay-gap and attrition reporting to the board."),
        ("Change management", 0.5, "Operating-model changes across the back office."),
    ],
}

# --- The pilot organisation ---------------------------------------------------------------

# The three demo accounts and who they are. Their people have fixed names so the demo reads the
# same whatever the seed; everyone else's name comes from the seeded generator.
DEMO_PEOPLE = {
    "employee": {"email": "employee@demo.example", "first_name": "Maya", "last_name": "Fernandes"},
    "manager": {"email": "manager@demo.example", "first_name": "Daniel", "last_name": "Okafor"},
    "hr": {"email": "hr@demo.example", "first_name": "Grace", "last_name": "Lindqvist"},
}

# Named positions, in external-id order (E00001, E00002, ...); a manager always comes before
# their reports. (key, manager key or None, role title, business unit)
PILOT_LEADS = [
    ("head", None, "Analytics Manager", "Group Functions"),  # head of Data & Analytics
    ("manager", "head", "Analytics Manager", "Consumer & Digital"),  # the demo manager
    ("employee", "manager", "Data Analyst", "Consumer & Digital"),  # the demo employee
    ("hr", None, "People Partner", "Group Functions"),  # the demo HR user, in the People team
    ("product_lead", "manager", "Analytics Team Lead", "Consumer & Digital"),  # the demo manager's sub-lead
    ("commercial_lead", "head", "Analytics Team Lead", "Commercial & Supply Chain"),
    ("insights_lead", "head", "Analytics Team Lead", "Consumer & Digital"),
    ("platform_lead", "head", "Senior Data Engineer", "Group Functions"),
]

# The rest of the pilot: (manager key, how many, role options (the seed picks; repeats weight), business unit)
PILOT_REPORTS = [
    ("manager", 3, ("Data Analyst", "Senior Data Analyst", "Product Analyst"), "Consumer & Digital"),
    (
        "product_lead",
        6,
        ("Product Analyst", "Product Analyst", "Data Analyst", "Senior Data Analyst"),
        "Consumer & Digital",
    ),
    ("commercial_lead", 8, ("Data Analyst", "Data Analyst", "Senior Data Analyst"), "Commercial & Supply Chain"),
    ("insights_lead", 6, ("Data Analyst", "Product Analyst", "Senior Data Analyst"), "Consumer & Digital"),
    ("platform_lead", 7, ("Data Engineer", "Data Engineer", "Senior Data Engineer"), "Group Functions"),
    ("head", 2, ("Senior Data Analyst", "Senior Data Engineer"), "Group Functions"),
]

# --- The large-organisation extension -----------------------------------------------------

LARGE_SKILL_CATEGORIES = {
    "Software engineering": "Designing, building and running software.",
    "Product & design": "Discovering, shaping and designing products.",
    "Sales & marketing": "Finding, winning and keeping customers.",
    "Finance": "Planning, accounting for and controlling money.",
    "Customer operations": "Serving customers after the sale.",
    "Supply chain": "Planning, buying, storing and moving goods.",
}

# A capability is appended to a domain to make a skill name ("Backend services" + "architecture").
# (capability, what it means: completes "... in <domain>")
TECHNICAL_CAPABILITIES = [
    ("architecture", "Designing structures and interfaces that stay easy to change"),
    ("automation", "Replacing manual, repeated work with reliable automation"),
    ("testing", "Proving behaviour with automated tests at the right level"),
    ("observability", "Instrumenting systems with logs, metrics and traces and acting on them"),
    ("performance tuning", "Finding and removing bottlenecks against measured targets"),
    ("incident response", "Detecting, mitigating and learning from production incidents"),
    ("security hardening", "Reducing attack surface and fixing vulnerabilities"),
    ("tooling", "Choosing, configuring and improving the tools the team works with"),
    ("migration planning", "Moving systems and data between platforms without disruption"),
    ("cost optimisation", "Keeping running costs in proportion to value"),
    ("API design", "Designing contracts other teams can build on"),
    ("capacity planning", "Sizing systems for expected and peak load"),
    ("documentation", "Writing guides and references people actually use"),
]
BUSINESS_CAPABILITIES = [
    ("strategy", "Setting direction and choosing where to play"),
    ("analytics", "Measuring performance and finding what drives it"),
    ("forecasting", "Predicting volumes and outcomes with honest ranges"),
    ("process design", "Designing efficient, well-controlled ways of working"),
    ("reporting", "Producing accurate, timely management information"),
    ("compliance", "Meeting legal, regulatory and policy obligations"),
    ("risk management", "Identifying, assessing and mitigating risks"),
    ("vendor management", "Selecting and managing suppliers and partners"),
    ("stakeholder engagement", "Keeping the people involved informed and on side"),
    ("budgeting", "Planning and controlling spend"),
    ("quality assurance", "Checking work against standards and fixing root causes"),
    ("continuous improvement", "Improving results step by step with measured experiments"),
    ("tooling", "Choosing, configuring and improving the systems the team works with"),
]

# Families for the large organisation. ``roles``: (title, grade, manages people); a title that is
# already in ROLES keeps its curated requirements. ``domains`` generate the family's own skills;
# ``shared_skills`` are curated skills its roles also draw on.
LARGE_FAMILIES = [
    {
        "name": "Data & Analytics",
        "description": JOB_FAMILIES["Data & Analytics"],
        "category": "Data analysis",
        "kind": "technical",
        "capabilities": "technical",
        "domains": [],
        "shared_skills": [],
        "roles": [
            ("Data Analyst", 1, False),
            ("Product Analyst", 1, False),
            ("Data Engineer", 1, False),
            ("Senior Data Analyst", 2, False),
            ("Senior Data Engineer", 2, False),
            ("Analytics Team Lead", 3, True),
            ("Analytics Manager", 4, True),
        ],
    },
    {
        "name": "People",
        "description": JOB_FAMILIES["People"],
        "category": "People practice",
        "kind": "domain",
        "capabilities": "business",
        "domains": ["Recruitment", "Learning and development", "Reward", "Payroll", "HR operations"],
        "shared_skills": [
            "Employee relations",
            "Employment law",
            "Stakeholder management",
            "Coaching",
            "Workforce analytics",
        ],
        "roles": [
            ("People Coordinator", 1, False),
            ("People Advisor", 2, False),
            ("People Partner", 3, False),
            ("Talent Acquisition Partner", 3, False),
            ("People Operations Manager", 4, True),
            ("Head of People", 5, True),
        ],
    },
    {
        "name": "Software Engineering",
        "description": "Engineers who build and run the organisation's products and platforms.",
        "category": "Software engineering",
        "kind": "technical",
        "capabilities": "technical",
        "domains": [
            "Backend services",
            "Frontend engineering",
            "Mobile engineering",
            "Cloud infrastructure",
            "Application security",
        ],
        "shared_skills": [
            "Software engineering practices",
            "Python",
            "Cross-functional collaboration",
            "Prioritisation",
        ],
        "roles": [
            ("Graduate Software Engineer", 1, False),
            ("Software Engineer", 2, False),
            ("Senior Software Engineer", 3, False),
            ("Staff Engineer", 4, False),
            ("Engineering Manager", 4, True),
            ("Director of Engineering", 5, True),
        ],
    },
    {
        "name": "Product & Design",
        "description": "Product managers and designers who decide what to build and how it should work.",
        "category": "Product & design",
        "kind": "domain",
        "capabilities": "business",
        "domains": ["Product discovery", "User research", "Interaction design", "Product operations"],
        "shared_skills": [
            "Product analytics",
            "Experiment design",
            "Stakeholder management",
            "Prioritisation",
            "Influencing",
        ],
        "roles": [
            ("Associate Product Manager", 1, False),
            ("Product Designer", 2, False),
            ("Product Manager", 2, False),
            ("Senior Product Manager", 3, False),
            ("Group Product Manager", 4, True),
        ],
    },
    {
        "name": "Sales & Marketing",
        "description": "Sellers and marketers who find, win and grow customers.",
        "category": "Sales & marketing",
        "kind": "domain",
        "capabilities": "business",
        "domains": ["Enterprise sales", "Account management", "Brand marketing", "Performance marketing", "Pricing"],
        "shared_skills": ["Commercial acumen", "Stakeholder management", "Influencing", "Storytelling with data"],
        "roles": [
            ("Sales Development Representative", 1, False),
            ("Account Executive", 2, False),
            ("Marketing Specialist", 2, False),
            ("Senior Account Manager", 3, False),
            ("Sales Manager", 4, True),
            ("Head of Sales and Marketing", 5, True),
        ],
    },
    {
        "name": "Finance",
        "description": "Accountants and analysts who plan, record and control the organisation's money.",
        "category": "Finance",
        "kind": "domain",
        "capabilities": "business",
        "domains": ["Financial planning", "Management accounting", "Treasury", "Procurement", "Tax"],
        "shared_skills": ["Commercial acumen", "Forecasting", "Stakeholder management", "Data governance and privacy"],
        "roles": [
            ("Finance Assistant", 1, False),
            ("Financial Analyst", 2, False),
            ("Senior Financial Analyst", 3, False),
            ("Finance Manager", 4, True),
            ("Finance Director", 5, True),
        ],
    },
    {
        "name": "Customer Operations",
        "description": "Advisers and managers who support customers after they buy.",
        "category": "Customer operations",
        "kind": "domain",
        "capabilities": "business",
        "domains": ["Customer support", "Contact centre operations", "Customer success", "Field service"],
        "shared_skills": ["Stakeholder management", "Cross-functional collaboration", "Prioritisation", "Coaching"],
        "roles": [
            ("Customer Support Advisor", 1, False),
            ("Senior Customer Support Advisor", 2, False),
            ("Customer Success Manager", 3, False),
            ("Customer Operations Team Leader", 3, True),
            ("Head of Customer Operations", 5, True),
        ],
    },
    {
        "name": "Supply Chain",
        "description": "Planners and operators who buy, store and move the organisation's goods.",
        "category": "Supply chain",
        "kind": "domain",
        "capabilities": "business",
        "domains": ["Warehouse operations", "Logistics", "Demand planning", "Supplier quality"],
        "shared_skills": ["Forecasting", "Commercial acumen", "Cross-functional collaboration", "Prioritisation"],
        "roles": [
            ("Warehouse Operative", 1, False),
            ("Logistics Coordinator", 2, False),
            ("Demand Planner", 3, False),
            ("Supply Chain Manager", 4, True),
            ("Head of Supply Chain", 5, True),
        ],
    },
    {
        "name": "Executive",
        "description": "The executive team and business-unit directors.",
        "category": "Leadership",
        "kind": "leadership",
        "capabilities": "business",
        "domains": [],
        "shared_skills": [
            "Strategic planning",
            "Team leadership",
            "Influencing",
            "Change management",
            "Commercial acumen",
            "Hiring and developing talent",
            "Stakeholder management",
        ],
        "roles": [
            ("Business Unit Director", 5, True),
            ("Chief Executive Officer", 6, True),
        ],
    },
]

# Moves between families that the large organisation supports: (from, to, kind).
LARGE_CROSS_FAMILY_PATHS = [
    ("Data Analyst", "Financial Analyst", "adjacent"),
    ("Financial Analyst", "Data Analyst", "adjacent"),
    ("Software Engineer", "Data Engineer", "adjacent"),
    ("Data Engineer", "Software Engineer", "adjacent"),
    ("Senior Software Engineer", "Senior Data Engineer", "adjacent"),
    ("Product Analyst", "Product Manager", "adjacent"),
    ("Marketing Specialist", "Product Analyst", "adjacent"),
    ("Demand Planner", "Senior Data Analyst", "adjacent"),
    ("Financial Analyst", "Demand Planner", "adjacent"),
    ("Account Executive", "Customer Success Manager", "adjacent"),
    ("Senior Customer Support Advisor", "People Advisor", "adjacent"),
    ("Senior Data Analyst", "Senior Product Manager", "adjacent"),
    ("People Partner", "Talent Acquisition Partner", "lateral"),
    ("Analytics Manager", "Business Unit Director", "promotion"),
]

# Each business unit's mix of job families (relative weights) below its director.
LARGE_BUSINESS_UNITS = [
    (
        "Consumer & Digital",
        "CDG",
        {
            "Product & Design": 3,
            "Sales & Marketing": 3,
            "Software Engineering": 2,
            "Data & Analytics": 1,
            "Customer Operations": 1,
        },
    ),
    (
        "Commercial & Supply Chain",
        "CSC",
        {"Supply Chain": 5, "Sales & Marketing": 3, "Finance": 1, "Data & Analytics": 1},
    ),
    ("Group Functions", "GRP", {"Finance": 4, "People": 4, "Data & Analytics": 2}),
    ("Technology", "TEC", {"Software Engineering": 7, "Product & Design": 2, "Data & Analytics": 1}),
    ("Customer Operations", "COP", {"Customer Operations": 8, "People": 1, "Data & Analytics": 1}),
    ("International", "INT", {"Sales & Marketing": 4, "Customer Operations": 3, "Supply Chain": 2, "Finance": 1}),
]

# Anchors for generated skills: still observable behaviours, with the skill's name filled in.
GENERATED_ANCHORS = (
    "Explains what {skill} covers and why it matters to the team; follows the team's existing {skill} "
    "practices when shown how and asks for help beyond routine cases.",
    "Handles routine {skill} work independently with the team's established methods; spots when a case is "
    "out of the ordinary and escalates it with the relevant facts.",
    "Owns {skill} for their area end to end: chooses the approach for unusual cases, improves the team's "
    "methods and reviews others' work with specific, actionable feedback.",
    "Sets the direction for {skill} across the organisation: defines the standards others follow, resolves "
    "the hardest cases and is the person other teams come to for advice.",
)

# --- Names (a small built-in list, so the demo needs no Faker at runtime) ----------------

FIRST_NAMES = [
    "Aisha",
    "Alex",
    "Amara",
    "Ana",
    "Andrei",
    "Ben",
    "Bianca",
    "Carlos",
    "Chen",
    "Chloe",
    "Dara",
    "David",
    "Elena",
    "Emeka",
    "Emma",
    "Farah",
    "Finn",
    "Gabriel",
    "Hana",
    "Hugo",
    "Ines",
    "Isaac",
    "Jamal",
    "Jana",
    "Jonas",
    "Julia",
    "Kai",
    "Kemi",
    "Laila",
    "Leo",
    "Lucia",
    "Marco",
    "Mei",
    "Mohammed",
    "Nadia",
    "Nikhil",
    "Nina",
    "Oliver",
    "Omar",
    "Paula",
    "Priya",
    "Rafael",
    "Rosa",
    "Ruth",
    "Sam",
    "Sara",
    "Sofia",
    "Tariq",
    "Tom",
    "Wei",
    "Yara",
    "Yusuf",
    "Zara",
    "Zoe",
]

LAST_NAMES = [
    "Abbott",
    "Adeyemi",
    "Alvarez",
    "Andersen",
    "Bakker",
    "Banerjee",
    "Becker",
    "Brennan",
    "Campbell",
    "Chowdhury",
    "Costa",
    "Dubois",
    "Ekwueme",
    "Fischer",
    "Garcia",
    "Gupta",
    "Haddad",
    "Hansen",
    "Hughes",
    "Ibrahim",
    "Ito",
    "Jensen",
    "Kaur",
    "Kowalski",
    "Larsen",
    "Lee",
    "Martin",
    "Mensah",
    "Moreau",
    "Murphy",
    "Nakamura",
    "Novak",
    "Nowak",
    "Oduya",
    "Oliveira",
    "Patel",
    "Petrov",
    "Quinn",
    "Rahman",
    "Rossi",
    "Santos",
    "Schmidt",
    "Silva",
    "Singh",
    "Sorensen",
    "Taylor",
    "Tran",
    "Usman",
    "Varga",
    "Walsh",
    "Wang",
    "Williams",
    "Yilmaz",
    "Zhang",
]
