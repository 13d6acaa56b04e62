"""Demography: ages, sexes, deaths and entries, from a published life table.

Every person has an age (years, float64) and a sex (``female`` 0/1). Ages advance by one day
(1/365.25 year) each day; each day people die with the life table's probability for their age
and sex, and a person reaching :attr:`Demography.exit_age` leaves. Each leaver is replaced at the
same row by an adult entering at :attr:`Demography.entry_age`, so the population size stays fixed
and, with the start drawn from the stationary age structure below, the age structure holds still.

Life table (:data:`LIFE_TABLE_SOURCE`): **United States Life Tables, 2011** (Arias E, National
Vital Statistics Reports 64(11), NCHS 2015), Table 2 (males) and Table 3 (females), column qx --
the probability of dying between exact ages x and x+1 -- by single year of age. The values below
(ages 15-99) were transcribed from a machine-readable copy of those tables
(``data-raw/lifetable.csv`` of the hesim R package, github.com/hesim-dev/hesim, commit 2a829d3,
whose ``R/data.R`` cites nvsr64_11.pdf). Checked in session 6, without the NVSR PDF itself (not
found in a readable copy): all 170 values equal that CSV exactly; the CSV is internally
consistent (lx - dx = next lx to 1, lx * qx = dx to rounding); its e0, 81.1 women / 76.3 men,
are the 2011 values NCHS's next report gives ("from 76.3 to 76.4", "81.1 to 81.2": United States
Life Tables, 2012, NVSR 65(8), abstract); and the male qx at ages 55-99, all 45, equal a second
transcription of NVSR 64(11) (``dyingP_55_100`` in a MATLAB esophageal-cancer simulator by Shen
Haihui, 2020, citing Arias 2015; printed to six decimals, so apparently not copied from hesim's
CSV). Women's qx and men's below 55 rest on the one copy. Within a year of age the
force of mortality is held constant, so the daily death probability is
``1 - (1 - qx) ** (1 / 365.25)``.

Ages (stated reasons): adults **enter at 18** -- the adult age of NHIS (chronic pain, Dahlhamer
2018) and the youngest age of the model's adult evidence; NHANES' PHQ-9 data start at 20, a
difference of two of 67 years. People **leave at 85**: NHIS top-codes age at 85 and the pain and
depression evidence the model uses rarely covers the oldest old; 85+ hold 4.3% of the adult (18+)
person-years in this table. Both are parameters (``entry_age_years``, ``exit_age_years``).

Sex at entry: :data:`SEX_RATIO_AT_BIRTH` (1.048 boys per girl, US births; Mathews & Hamilton
2005, "Trend analysis of the sex ratio at birth in the United States", NVSR 53(20) -- the report
exists as cited, its value was not read: 1.048 as recalled, check before citing) times the
table's survivorship to the entry age gives the share female at entry (48.8% at 18; the US Census
count at 18 is close to that). Because women outlive men, the share female rises with age in the
stationary population.

The stationary population: with a constant stream of entrants, the number of people of age a and
sex s is proportional to the share of entrants of that sex times the survivorship
``l_s(a) / l_s(entry)`` (a life table's stationary population, its Lx column). Initial ages and
sexes are drawn from it, one single year of age at a time (uniform within the year).
"""

from __future__ import annotations

import numpy as np

from sim.core.errors import InputError

LIFE_TABLE_SOURCE = ("United States Life Tables, 2011 (Arias E, NVSR 64(11), NCHS 2015), Table 2 "
                     "(males) and Table 3 (females), qx by single year of age; transcribed from the "
                     "hesim R package copy (data-raw/lifetable.csv, citing NVSR 64(11)): equal to it, "
                     "internally consistent, e0 as NCHS reports for 2011, men's qx 55-99 equal to a "
                     "second independent copy; not checked against the PDF itself")
FIRST_AGE = 15
"""The first age of the tables below; they run to 99 (the tables' last single year before 100+)."""
LAST_AGE = 99
DAYS_PER_YEAR = 365.25
DAY_YEARS = 1.0 / DAYS_PER_YEAR
"""One day in years: the daily age increment."""
SEX_RATIO_AT_BIRTH = 1.048
"""Boys per girl born in the US (Mathews & Hamilton 2005, NVSR 53(20): about 1,048 per 1,000; the
report is as cited, the value as recalled, check before citing)."""
REFERENCE_AGE_YEARS = 50.0
"""Age at which the age effects on the drives are zero: near the stationary mean age (48.6 years
for entry 18, exit 85), so that they tilt prevalence by age without moving its overall level
much (the calibration was fitted without age). A population without demography (a single person
in :mod:`sim.studies.stability`) sits at this age."""
FEMALE_CENTRE = 0.5
"""Value of ``female`` at which the sex effects on the drives are zero (half-way between the
sexes, close to the stationary share female of 50.3%); a population without demography holds it."""

# qx, ages 15..99, US 2011 (see the module docstring).
_QX_FEMALE = (
    0.000207, 0.000247, 0.000286, 0.00032, 0.000351, 0.000384, 0.000416, 0.000445, 0.000467,
    0.000486, 0.000505, 0.000526, 0.000553, 0.000587, 0.000627, 0.000673, 0.000721, 0.000766,
    0.000805, 0.000842, 0.000888, 0.000947, 0.001017, 0.001099, 0.001192, 0.001291, 0.001402,
    0.001535, 0.001695, 0.001879, 0.00207, 0.002268, 0.002486, 0.002725, 0.002977, 0.003245,
    0.003514, 0.003776, 0.004029, 0.004289, 0.004564, 0.004875, 0.005234, 0.005647, 0.006103,
    0.006589, 0.007104, 0.007665, 0.008303, 0.00905, 0.009953, 0.011001, 0.012124, 0.01325,
    0.014419, 0.015718, 0.017201, 0.018896, 0.020818, 0.022996, 0.025387, 0.02809, 0.031225,
    0.034786, 0.038792, 0.043109, 0.0478, 0.053181, 0.059365, 0.066859, 0.075391, 0.084744,
    0.095072, 0.106427, 0.118857, 0.132396, 0.147063, 0.162859, 0.179765, 0.197737, 0.216706,
    0.236577, 0.257228, 0.278515, 0.300271,
)
_QX_MALE = (
    0.000439, 0.000552, 0.000675, 0.000807, 0.000942, 0.001085, 0.001216, 0.00131, 0.001353,
    0.001358, 0.001351, 0.001349, 0.001353, 0.001371, 0.001399, 0.001432, 0.001464, 0.001496,
    0.001528, 0.001563, 0.001613, 0.001682, 0.001764, 0.001857, 0.001964, 0.002083, 0.002227,
    0.002414, 0.002653, 0.002939, 0.003243, 0.003563, 0.003922, 0.00432, 0.004749, 0.005193,
    0.005647, 0.006122, 0.00663, 0.007181, 0.007779, 0.008415, 0.009074, 0.009727, 0.010371,
    0.011034, 0.011738, 0.012489, 0.013335, 0.014319, 0.015482, 0.016824, 0.01833, 0.0199,
    0.021539, 0.023396, 0.025476, 0.027794, 0.03035, 0.033204, 0.036345, 0.039788, 0.04372,
    0.048335, 0.05365, 0.059565, 0.065848, 0.072956, 0.080741, 0.089357, 0.09965, 0.110901,
    0.123146, 0.136412, 0.15071, 0.166038, 0.182374, 0.199676, 0.21788, 0.236903, 0.256636,
    0.276954, 0.297713, 0.318755, 0.339914,
)

QX = {1: np.array(_QX_FEMALE), 0: np.array(_QX_MALE)}
"""Annual probability of death by single year of age (index = age - FIRST_AGE), female (1) and
male (0)."""


def qx(age, female) -> np.ndarray:
    """The life table's annual death probability for each (age in years, female 0/1)."""
    a = np.clip(np.floor(np.asarray(age, dtype=np.float64)).astype(np.intp), FIRST_AGE, LAST_AGE) - FIRST_AGE
    f = np.asarray(female).astype(bool)
    return np.where(f, QX[1][a], QX[0][a])


def daily_death_probability(age, female) -> np.ndarray:
    """Probability of dying on one day at each (age, female): a constant force within the year."""
    return -np.expm1(np.log1p(-qx(age, female)) * DAY_YEARS)


def _check_ages(entry_age: int, exit_age: int) -> None:
    if not FIRST_AGE <= entry_age < exit_age <= LAST_AGE + 1:
        raise InputError(f"entry_age_years = {entry_age} and exit_age_years = {exit_age}: the life "
                         f"table needs {FIRST_AGE} <= entry_age_years < exit_age_years <= {LAST_AGE + 1}")


def survivorship(entry_age: int, exit_age: int, female: int) -> np.ndarray:
    """l(x) / l(entry) at the whole ages entry..exit (one more value than years) for one sex."""
    _check_ages(entry_age, exit_age)
    q = QX[int(female)][entry_age - FIRST_AGE: exit_age - FIRST_AGE]
    return np.concatenate(([1.0], np.cumprod(1.0 - q)))


def share_female_at_entry(entry_age: int) -> float:
    """Share of entrants who are women: sex ratio at birth times survivorship to ``entry_age``."""
    lf = survivorship(FIRST_AGE, entry_age + 1, 1)[entry_age - FIRST_AGE]
    lm = survivorship(FIRST_AGE, entry_age + 1, 0)[entry_age - FIRST_AGE]
    return float(lf / (lf + SEX_RATIO_AT_BIRTH * lm))


def stationary(entry_age: int, exit_age: int) -> dict:
    """The stationary population between the two ages: person-years by single year of age and sex.

    Returns a dict with ``ages`` (the whole ages entry..exit-1), ``weights`` (2 x years array:
    row 0 men, row 1 women; shares of all person-years, summing to 1), ``mean_age``,
    ``share_female``, and the yearly rates per person of ``deaths`` and of ``exits`` (reaching
    the exit age); ``deaths + exits`` is the yearly share of people replaced.
    """
    _check_ages(entry_age, exit_age)
    ages = np.arange(entry_age, exit_age)
    f_entry = share_female_at_entry(entry_age)
    weights = np.empty((2, ages.size))
    exits = 0.0
    for sex, share in ((0, 1.0 - f_entry), (1, f_entry)):
        l = survivorship(entry_age, exit_age, sex)
        weights[sex] = share * (l[:-1] + l[1:]) / 2.0  # Lx: person-years lived in [x, x+1)
        exits += share * l[-1]
    total = weights.sum()
    deaths = (1.0 - exits) / total  # entrants per person-year = 1 / total; all who enter leave
    return {"ages": ages, "weights": weights / total, "mean_age": float((weights.sum(0) * (ages + 0.5)).sum() / total),
            "share_female": float(weights[1].sum() / total), "deaths": float(deaths),
            "exits": float(exits / total)}


def draw_stationary(n: int, entry_age: int, exit_age: int, rng: np.random.Generator):
    """Ages (float64 years) and ``female`` (0/1) of ``n`` people drawn from the stationary
    population: a single year of age and sex by its person-years, then uniform within the year."""
    table = stationary(entry_age, exit_age)
    w = table["weights"].ravel()
    cell = rng.choice(w.size, size=n, p=w)
    female, year = np.divmod(cell, table["ages"].size)
    age = table["ages"][year] + rng.random(n)
    return age, female


class Demography:
    """Deaths and entries of one run (:meth:`step` is called once a day by the engine).

    The entrant takes the leaver's row, and so the leaver's node of the social network: their
    ties pass to the entrant. This stands in for a network whose ties are to positions (a
    household, a job, a street) that a newcomer fills: the network's size, degree distribution
    and clustering stay as built, which is what the model's support mechanism reads, and no tie
    is rewired. It is not a model of bereavement: the ties' support is their current social
    support, which for the entrant starts "well".

    Costs per day: one vectorised age increment and comparison with the exit age, plus O(deaths)
    for the deaths: candidates are drawn at the largest daily death probability of any age and
    sex (:attr:`max_daily`) -- a binomial count, then that many distinct rows -- and each is kept
    with its own probability divided by that maximum, which gives every person exactly their own
    daily probability.
    """

    def __init__(self, entry_age: int, exit_age: int):
        _check_ages(int(entry_age), int(exit_age))
        self.entry_age, self.exit_age = int(entry_age), int(exit_age)
        ages = np.arange(self.entry_age, self.exit_age)
        self.daily = np.stack([daily_death_probability(ages, 0), daily_death_probability(ages, 1)])
        """Daily death probability by sex (row) and whole age - entry age (column)."""
        self.max_daily = float(self.daily.max())
        self.share_female = share_female_at_entry(self.entry_age)
        self.next_id = 0
        self.left_ids = np.zeros(0, dtype=np.int64)
        """person_id of the people who left on the last day (deaths and exits)."""
        self.aged_out_rows = np.zeros(0, dtype=np.intp)
        """Rows of the people who reached the exit age on the last day (the others who left died)."""
        self.deaths = 0
        self.exits = 0
        """Counts since the start of the run (burn-in included)."""
        self.day_deaths = 0
        self.day_exits = 0
        """Counts of the last day."""
        self.reached_departed = 0
        """People who had started any intervention and have left (for cumulative reach)."""

    @classmethod
    def from_params(cls, p) -> Demography:
        """The demography of a run's parameters (``entry_age_years``, ``exit_age_years``)."""
        return cls(p.entry_age_years, p.exit_age_years)

    def populate(self, pop, rng: np.random.Generator) -> None:
        """Draw everyone's age and sex from the stationary population; number them 0..n-1."""
        age, female = draw_stationary(pop.n, self.entry_age, self.exit_age, rng)
        pop.age_years[...] = age
        pop.female[...] = female
        pop.person_id[...] = np.arange(pop.n, dtype=np.int64)
        self.next_id = pop.n

    def leavers(self, pop, rng: np.random.Generator) -> np.ndarray:
        """Age everyone by a day; return the sorted rows of who dies today or reaches the exit age."""
        pop.age_years += DAY_YEARS
        out = np.flatnonzero(pop.age_years >= self.exit_age)
        k = int(rng.binomial(pop.n, self.max_daily))
        cand = rng.choice(pop.n, size=k, replace=False) if k else np.zeros(0, dtype=np.intp)
        year = np.minimum(pop.age_years[cand].astype(np.intp), self.exit_age - 1) - self.entry_age
        sex = (pop.female[cand] > 0.5).astype(np.intp)
        dead = cand[rng.random(k) * self.max_daily < self.daily[sex, year]]
        dead = np.setdiff1d(dead, out)
        self.day_deaths, self.day_exits = int(dead.size), int(out.size)
        self.aged_out_rows = out
        self.deaths += dead.size
        self.exits += out.size
        return np.union1d(dead, out)

    def enter(self, pop, who: np.ndarray, rng: np.random.Generator) -> None:
        """Entrants at the rows ``who``: entry age, sex drawn at the entry share, new ids."""
        pop.age_years[who] = self.entry_age
        pop.female[who] = rng.random(who.size) < self.share_female
        pop.person_id[who] = np.arange(self.next_id, self.next_id + who.size, dtype=np.int64)
        self.next_id += who.size

    def step(self, engine) -> np.ndarray:
        """One day of demography for ``engine``: ages advance, leavers are replaced by entrants with
        fresh traits (``entrants`` stream) started well as at the start of a run
        (``Engine._start_well`` on their rows), their clinical windows and any treatment reset.
        Deaths draw from the ``demography`` stream. Returns the rows replaced (sorted)."""
        pop = engine.pop
        who = self.leavers(pop, engine.streams["demography"])
        self.left_ids = pop.person_id[who].copy()
        if who.size:
            from sim.core.state import draw_traits

            rng = engine.streams["entrants"]
            for name, values in draw_traits(who.size, rng).items():
                getattr(pop, name)[who] = values
            self.enter(pop, who, rng)
            pop.tissue[who] = 0.0
            pop.remodelling[who] = 0.0
            engine._start_well(who, rng)
            engine.status.reset(who, pop)
            if engine.deliveries:
                started = np.zeros(who.size, dtype=bool)
                for delivery in engine.deliveries.values():
                    started |= delivery.start[who] >= 0
                    delivery.replace(who)
                self.reached_departed += int(started.sum())
        return who
