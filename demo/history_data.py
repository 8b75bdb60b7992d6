"""Curated text for the demo's history, as plain data: courses, review comments, aspirations,
HR review notes and the pilot's open opportunities. ``history`` turns it into rows; nothing here
touches the database.
"""

LMS_URL = "https://lms.demo.example/courses/"
PROVIDERS = ("Internal Academy", "LinkedIn Learning", "Coursera", "Pluralsight", "DataCamp", "Udemy Business")

# Five courses for each curated skill. Titles are distinct even after the data-quality scan's
# normalisation, so the demo raises no "same course under different names" flags.
SKILL_COURSES = {
    "SQL": (
        "SQL fundamentals",
        "SQL for analysts: joins and aggregations",
        "SQL for analysts: window functions",
        "Advanced SQL: CTEs and recursive queries",
        "Writing fast SQL: query plans and indexes",
    ),
    "Python": (
        "Python fundamentals for analysts",
        "Python for data analysis with pandas",
        "Python: writing clean, reusable functions",
        "Testing Python code with pytest",
        "Automating reports with Python",
    ),
    "Data visualisation": (
        "Data visualisation principles",
        "Choosing the right chart",
        "Dashboard design that people use",
        "Power BI essentials",
        "Tableau for analysts",
    ),
    "Statistical modelling": (
        "Statistics refresher: distributions and inference",
        "Regression for business analysts",
        "Generalised linear models in practice",
        "Bayesian thinking for analysts",
        "Causal inference basics",
    ),
    "Experiment design": (
        "A/B testing fundamentals",
        "Experiment design: power and sample size",
        "Analysing experiments with CUPED",
        "Running experiments in product squads",
        "Pitfalls in online experiments",
    ),
    "Forecasting": (
        "Time-series forecasting foundations",
        "Forecasting with Prophet and ARIMA",
        "Demand forecasting for planners",
        "Evaluating forecast accuracy",
        "Forecasting with machine learning",
    ),
    "Machine learning fundamentals": (
        "Machine learning for analysts",
        "Intro to scikit-learn",
        "Feature engineering essentials",
        "Model evaluation and validation",
        "Recommender systems: an introduction",
    ),
    "Data modelling": (
        "Dimensional modelling with star schemas",
        "Data modelling with dbt",
        "Data vault in practice",
        "Modelling slowly changing dimensions",
        "Designing a semantic layer",
    ),
    "Data pipeline design": (
        "Building data pipelines with Airflow",
        "Batch and streaming pipelines",
        "Idempotent pipeline design",
        "Orchestrating dbt in production",
        "Change data capture fundamentals",
    ),
    "Cloud data platforms": (
        "Cloud data warehouses compared",
        "BigQuery for data engineers",
        "Snowflake fundamentals",
        "Cost control on cloud data platforms",
        "Migrating a warehouse to the cloud",
    ),
    "Data quality management": (
        "Data quality testing with Great Expectations",
        "Data quality: monitoring and incident response",
        "Data contracts in practice",
        "Root-causing data quality issues",
        "Data observability essentials",
    ),
    "Data governance and privacy": (
        "GDPR for data teams",
        "Data governance foundations",
        "Data retention and deletion in practice",
        "Privacy by design for analytics",
        "Managing access to sensitive data",
    ),
    "Software engineering practices": (
        "Git and code review for data teams",
        "Continuous integration for data projects",
        "Clean code for data engineers",
        "Refactoring legacy pipelines",
        "Writing good technical documentation",
    ),
    "Workforce analytics": (
        "People analytics foundations",
        "Attrition modelling for HR",
        "Pay-gap reporting explained",
        "Workforce dashboards for HR partners",
        "Survey analysis for people teams",
    ),
    "Stakeholder management": (
        "Stakeholder mapping and engagement",
        "Managing expectations with stakeholders",
        "Saying no to stakeholders, nicely",
        "Running effective requirements workshops",
        "Stakeholder management for analysts",
    ),
    "Storytelling with data": (
        "Storytelling with data: the essentials",
        "Presenting insights to executives",
        "Writing one-page analytical memos",
        "From dashboard to recommendation",
        "Data storytelling workshop",
    ),
    "Prioritisation": (
        "Prioritisation frameworks: RICE and MoSCoW",
        "Managing a team backlog",
        "Time management for knowledge workers",
        "Focusing on impact",
        "Prioritising analytics requests",
    ),
    "Cross-functional collaboration": (
        "Working in cross-functional squads",
        "Collaboration across time zones",
        "Agile fundamentals",
        "Facilitating effective meetings",
        "Working with product managers",
    ),
    "Influencing": (
        "Influencing without authority",
        "Negotiation skills",
        "Persuasive business writing",
        "Building executive presence",
        "Influencing senior stakeholders",
    ),
    "Coaching": (
        "Coaching conversations: the GROW model",
        "Giving and receiving feedback",
        "Mentoring junior colleagues",
        "Coaching for performance",
        "Asking powerful questions",
    ),
    "Team leadership": (
        "First-time manager programme",
        "Leading high-performing teams",
        "Running effective one-to-ones",
        "Delegation for new leaders",
        "Leading remote and hybrid teams",
    ),
    "Strategic planning": (
        "Strategy fundamentals for managers",
        "Building a data strategy",
        "OKRs: setting goals that matter",
        "Scenario planning",
        "Writing a three-year plan",
    ),
    "Hiring and developing talent": (
        "Structured interviewing",
        "Inclusive hiring practices",
        "Writing job descriptions that attract",
        "Career conversations with your team",
        "Building development plans",
    ),
    "Change management": (
        "Leading change: Kotter's eight steps",
        "Change management foundations",
        "Managing resistance to change",
        "Communicating change",
        "Prosci ADKAR in practice",
    ),
    "Product analytics": (
        "Product analytics with Amplitude",
        "Funnel and retention analysis",
        "Defining product metrics",
        "Cohort analysis in practice",
        "North-star metrics for product teams",
    ),
    "Commercial acumen": (
        "Finance for non-finance managers",
        "Understanding the P&L",
        "Pricing fundamentals",
        "Commercial awareness for analysts",
        "Reading a business case",
    ),
    "Employee relations": (
        "Handling grievances and disciplinaries",
        "Employee relations case management",
        "Difficult conversations at work",
        "Workplace investigations",
        "Mediation skills for HR",
    ),
    "Workforce planning": (
        "Strategic workforce planning",
        "Headcount planning and budgeting",
        "Skills-based workforce planning",
        "Scenario modelling for workforce plans",
        "Succession planning essentials",
    ),
    "Employment law": (
        "Employment law update 2026",
        "Employment law essentials for HR",
        "Managing redundancies lawfully",
        "Flexible working requests and the law",
        "Equality law in the workplace",
    ),
}

# Courses for generated "<domain> <capability>" skills: the first few of each domain get one
# each, titled by one of these patterns ({skill} is the skill's name mid-sentence).
GENERATED_COURSE_PATTERNS = (
    "{Skill}: the essentials",
    "{Skill} in practice",
    "Advanced {skill}",
    "{Skill} for team leads",
    "Getting started with {skill}",
)
GENERATED_COURSES_PER_DOMAIN = 5

# Review commentary by score band (upper bounds), one or two sentences picked per review.
REVIEW_COMMENTS = (
    (
        2.4,
        (
            "Several goals slipped this half; we agreed a focused improvement plan with monthly check-ins.",
            "Quality of work was inconsistent and deadlines were missed more than once.",
            "Needs closer support on prioritisation; we will review progress in six weeks.",
            "Struggled with the step up in scope; training and a buddy are in place.",
        ),
    ),
    (
        3.4,
        (
            "Delivered most of the agreed goals and is a dependable member of the team.",
            "Solid half: good collaboration, with room to take more ownership of stakeholder conversations.",
            "Met expectations; the next step is to share work earlier and ask for feedback sooner.",
            "Steady contribution; would benefit from deepening technical skills in the areas we discussed.",
            "Reliable delivery; planning of larger pieces of work is the main development area.",
        ),
    ),
    (
        4.4,
        (
            "Strong half: delivered ahead of plan and raised the quality bar for the team.",
            "Consistently exceeds expectations and is the go-to person for difficult analyses.",
            "Great stakeholder feedback; took on a stretch project and handled it well.",
            "Coached newer colleagues generously while delivering their own goals.",
            "Clear, well-reasoned recommendations that changed decisions this half.",
        ),
    ),
    (
        5.0,
        (
            "Outstanding half: led the team's most visible work and shaped the roadmap.",
            "Exceptional impact well beyond the role; ready for a bigger scope.",
            "Role model for the team; the business now asks for them by name.",
        ),
    ),
)

# What people write next to their career goal ({role} is the target role, {skill} one of its skills).
INTERESTS = (
    "Keen to build {skill} so I can move towards {role}.",
    "I'd like to lead more of the work end to end and grow into {role} over the next two years.",
    "Interested in projects that stretch my {skill}.",
    "Would love a mentor who has made the move into {role}.",
    "I enjoy the people side of the job and want to explore {role}.",
    "Looking for a stretch assignment that uses {skill} before applying for {role}.",
)

# HR's notes on past review decisions.
EDIT_NOTES = (
    "Lowered the priority of the top gap: the manager confirms it is already covered by a current project.",
    "Reworded the rationale; the self-assessment looked generous next to the assessment result.",
    "Swapped the first two gaps after talking to the manager about the team's plans for next quarter.",
    "Added context: recent evidence from the certification came in after the analysis ran.",
    "Softened the wording for the employee; the gap is real but the role changed recently.",
)
REJECT_NOTE = (
    "Rejected: the evidence predates the move into the current role. Asked the manager for a fresh "
    "assessment before releasing the analysis."
)

# The pilot's open opportunities: (title, kind, role title or None, business unit, poster's pilot key,
# [(skill, target level, importance)], description, days open so far, days until it closes)
PILOT_OPPORTUNITIES = (
    (
        "Senior Data Analyst, Commercial analytics",
        "role",
        "Senior Data Analyst",
        "Commercial & Supply Chain",
        "commercial_lead",
        [],
        "Lead pricing and trading analyses for the category teams.",
        12,
        45,
    ),
    (
        "Analytics Team Lead, Group Functions",
        "role",
        "Analytics Team Lead",
        "Group Functions",
        "head",
        [],
        "Lead the analysts serving Finance and People; four direct reports.",
        20,
        60,
    ),
    (
        "Data Engineer, warehouse migration",
        "role",
        "Data Engineer",
        "Group Functions",
        "platform_lead",
        [],
        "Join the platform team for the move to the cloud warehouse.",
        5,
        50,
    ),
    (
        "Price elasticity model for the 2027 price review",
        "project",
        None,
        "Commercial & Supply Chain",
        "commercial_lead",
        [("Statistical modelling", 3, 5), ("Forecasting", 2, 4), ("Commercial acumen", 2, 3)],
        "Three months, two days a week: estimate price elasticities for the top 200 products.",
        8,
        35,
    ),
    (
        "App launch funnel and retention dashboard",
        "project",
        None,
        "Consumer & Digital",
        "product_lead",
        [("Product analytics", 3, 5), ("Data visualisation", 3, 4), ("Experiment design", 2, 3)],
        "Build the launch reporting with the app squad and hand it over to the product team.",
        3,
        40,
    ),
    (
        "Present the quarterly trading review",
        "stretch",
        None,
        "Commercial & Supply Chain",
        "commercial_lead",
        [("Storytelling with data", 3, 5), ("Stakeholder management", 3, 4), ("Commercial acumen", 2, 3)],
        "Own the analysis and the presentation to the trading leadership for one quarter.",
        10,
        30,
    ),
    (
        "Mentorship: experimentation with the Consumer squads",
        "mentorship",
        None,
        "Consumer & Digital",
        "manager",
        [("Experiment design", 3, 5), ("Coaching", 2, 3)],
        "Monthly sessions with the squad lead who runs the experimentation guild.",
        15,
        75,
    ),
    (
        "Mentorship: Python for analysts",
        "mentorship",
        None,
        "Group Functions",
        "platform_lead",
        [("Python", 2, 5), ("Software engineering practices", 2, 3)],
        "Pair with a senior data engineer for an hour a week for three months.",
        6,
        60,
    ),
)

# The large organisation's projects, stretch assignments and mentorship slots, per job-family domain.
GENERATED_OPPORTUNITIES = (
    (
        "project",
        "{Domain}: process improvement sprint",
        "Six weeks to find and fix the biggest bottleneck in {domain}.",
    ),
    ("project", "{Domain}: 2027 planning", "Help build next year's plan and budget for {domain}."),
    ("stretch", "Lead the {domain} quarterly review", "Own the quarterly review of {domain} for the leadership team."),
    ("mentorship", "Mentorship: {domain}", "Monthly sessions with an experienced colleague in {domain}."),
)
