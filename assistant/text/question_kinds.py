"""What a question asks for, and whether a sentence holds that kind of information."""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.text.analysis import fold

_TYPES: list[tuple[str, re.Pattern[str]]] = [
    (
        "amount",
        re.compile(
            r"\b(how much|what (?:is |was |were |are )?(?:the )?"
            # a possessive before the noun: "What was Grand Poitiers' budget"
            r"(?:(?:[\w-]+ ){0,3}[\w-]+(?:'s|') (?:total |annual |yearly )?)?"
            r"(?:budget|amount|turnover|share|percentage|proportion|price|cost|grant|subsidy)"
            r"|quel(?:le)?s? (?:est |etait |a ete )?(?:le |la )?(?:budget|montant|part|pourcentage"
            r"|proportion|chiffre d'affaires|subvention|somme|prix|cout|tarif|dotation)s?"
            r"|combien (?:coute|ca coute|d'euros|de budget|represente|pese)"
            # "Combien va coûter la rénovation… ?", "Combien a coûté…", "combien coûtera"
            r"|combien (?:(?:va|vont|a|ont|avait|devrait|doit|va-t-elle|va-t-il)(?:-t-\w+)? )?"
            r"cout(?:e|er|era|ent|eront|erait|e-t-il|e-t-elle)?"
            r"|what percentage|how big)\b"
        ),
    ),
    (
        "how_many",
        re.compile(
            r"\b(how many|combien|number of|nombre d|quel nombre|what number"
            # "Quelle est la population de l'agglomération ?" asks for a count of people.
            r"|quelle (?:est|etait) la population|what (?:is|was) the population)\b"
        ),
    ),
    (
        "when",
        re.compile(
            r"\b(when|what year|which year|what date|what day|since when|quand|quelle annee"
            r"|quelle date|quel jour|depuis quand|en quelle annee|a quelle date|date)\b"
        ),
    ),
    (
        "who",
        re.compile(
            r"\b(who|whom|whose|qui|par qui|quelle personne|quel organisme|which organi[sz]ation"
            r"|which company|quelle entreprise|quelle structure|quelle association"
            r"|which association"
            r"|laureats?|winners?|founders?|cofondateurs?)\b"
        ),
    ),
    (
        "where",
        re.compile(
            r"\b(where|which city|what town|which town|in which|ou se|ou est|ou sont|ou a"
            r"|ou trouver|dans quelle ville|quelle ville|quelle commune|a quel endroit)\b"
        ),
    ),
    ("why", re.compile(r"\b(why|pourquoi|for what reason|dans quel but|what for)\b")),
    ("how", re.compile(r"\b(how|comment)\b")),
    (
        "yes_no",
        re.compile(
            r"^(est-ce|is|are|was|were|does|do|did|can|has|have|y a-t-il)\b"
            # French inversion with no asking word: "L'épicerie est-elle ouverte à
            # tous ?", "Faut-il s'inscrire ?" (asking words are matched by the kinds above,
            # "que"/"quel" below).
            r"|^(?!(?:que|qu'|quoi|quel|quelle|quels|quelles|lequel|laquelle)\b)"
            r".*\b\w+-(?:t-)?(?:il|elle|ils|elles|on)\b"
        ),
    ),
]

_NUMBER_WORDS = (
    r"deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|treize|quatorze|quinze"
    r"|seize|vingt|trente|quarante|cinquante|soixante|cent|cents|mille|million|millions"
    r"|milliard|milliards|dizaine|douzaine|quinzaine|vingtaine|trentaine|quarantaine"
    r"|cinquantaine|centaine|millier|milliers|two|three|four|five|six|seven|eight|nine"
    r"|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|hundred|thousand|dozen|dozens"
    r"|fifteen|eighteen|sixteen"
)
# Month names, folded (no accents), French and English.
_MONTHS = (
    r"janvier|fevrier|mars|avril|mai|juin|juillet|aout|septembre|octobre|novembre|decembre"
    r"|january|february|march|april|may|june|july|august|september|october|november|december"
)
_EVIDENCE: dict[str, re.Pattern[str]] = {
    "how_many": re.compile(rf"\d|\b(?:{_NUMBER_WORDS})\b"),
    "amount": re.compile(
        r"\d[\d\s.,]*\s?(?:%|€|m€|k€|euros?|millions?|milliards?|pour ?cent|percent)"
        r"|\b(?:millions?|milliards?) d'?euros\b|\bbudget\b"
    ),
    "when": re.compile(
        r"\b(?:1[89]\d\d|20\d\d)\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b|\b(?:" + _MONTHS + r")\b"
        # A date relative to the text's own: "dans deux ans", "in two years", "il y a
        # trois ans", "l'an prochain", "last year".
        r"|\b(?:dans|d'ici|in|within)\s+(?:(?:\d+|un|une|a|one|quelques|a few|"
        + _NUMBER_WORDS
        + r")\s+)+(?:ans?|annees?|mois|semaines?|years?|months?|weeks?)\b"
        r"|\b(?:il y a|voici)\s+(?:\S+\s+){1,2}(?:ans?|annees?|mois)\b"
        r"|\b(?:years?|months?|weeks?)\s+ago\b"
        r"|\b(?:l'an|l'annee|le mois|la semaine)\s+(?:prochaine?|derniere?|passee?)\b"
        r"|\b(?:next|last|this)\s+(?:year|month|week|spring|summer|autumn|winter)\b"
        r"|\bcette annee\b|\b(?:au printemps|a l'automne|en hiver|cet ete)\b"
        # A day of the week, a time of day, a frequency: "du lundi au vendredi de 8h30 à
        # 17h30", "chaque année en novembre", "every Saturday".
        r"|\b(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|monday|tuesday|wednesday"
        r"|thursday|friday|saturday|sunday|week-end|weekend)s?\b"
        r"|\b\d{1,2}\s?h(?:\s?\d{2})?\b|\b\d{1,2}:\d{2}\b|\b\d{1,2}\s?(?:am|pm)\b"
        # Older dates: "en 1222", "vers 350 av. J.-C.", "au XXe siècle", "in the 5th century".
        r"|\b(?:en|vers|depuis|des|de|d'|du|au|a partir de|jusqu'en|jusqu'a|avant|apres|entre"
        r"|in|since|around|circa|by|from|until|before|after|between)\s*\d{3,4}\b"
        r"|\b\d{1,4}\s+(?:av|apr)\.?\s*j\.?-?c|\b\d{1,4}\s+(?:bc|ad|bce|ce)\b"
        r"|\b(?:siecles?|century|centuries|millenaire|millennium|decennie|decade)\b"
        r"|\bannees\s+\d0\b|\b\d{2,4}s\b|\bmoyen age\b"
        r"|\b(?:chaque|tous les|toutes les|every)\s+(?:ans?|annees?|mois|semaines?|jours?|years?"
        r"|months?|weeks?|days?)\b"
        # Not "aujourd'hui"/"today": mostly "nowadays" ("elle réunit aujourd'hui sept
        # associés" does not say when it was founded).
        r"|\b(?:demain|hier|tomorrow|yesterday)\b"
    ),
    "where": re.compile(
        r"(?:\b|(?<=\s))(?:à|a|au|aux|en|dans|in|at|near|près de|sur)\s+"
        r"(?:la |le |les |l')?[A-ZÀ-Ý]"
        r"|\b(?:rue|avenue|ville|quartier|vallee|city|town|street|commune)\b"
    ),
}
_ROLE = re.compile(
    r"\b(?:president|vice-president|directeur|directrice|maire|ministre|depute|deputee"
    r"|cofondateur|cofondatrice|co-founder|founder|fondateur|fondatrice|designer|director"
    r"|journaliste|laureat|laureats|winner|minister|mayor|collectif|association|cooperative"
    r"|ateliers|scop|scic)\b"
)
_PROPER_NOUN = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-ZÉÈÀÂÎÔÛÇ][\w'’-]+")

_FOLLOW_UP_START = re.compile(
    r"^(et|and|also|aussi|what about|how about|et pour|et en|et a|et le|et la|et les|et combien"
    r"|et quand|et qui|et ou|et comment|mais|but|then|alors|ensuite|puis)\b"
)
_PRONOUNS = re.compile(
    r"\b(il|elle|ils|elles|celui-ci|celle-ci|ceux-ci|cela|ca|ce lieu|cette structure|it|its|they"
    r"|them|their|he|she|him|her|this|that|there|those|these|y)\b"
)


def question_type(question: str) -> str:
    """The first matching type, checked from the most specific; ``"what"`` otherwise."""
    text = fold(question)
    if _OTHER_ASKING.match(text):
        # "Que fait Hortense quand Cézanne a des insomnies ?": after another asking word,
        # "quand"/"when" joins two clauses; it asks nothing.
        text = _CONJUNCTION_WHEN.sub(" ", text)
    for name, pattern in _TYPES:
        if name == "amount" and _PRIZE.search(text):
            continue  # "Quel prix ont remporté les Ateliers Cord'âges ?": a prize, not a price
        if name == "why" and re.search(r"(^|\s)où\b", question.lower()):
            return "where"  # "où" folds to "ou" (or), so it is checked before folding
        if pattern.search(text):
            return name
    return "what"


# "prix" is a price or a prize: won, received or awarded, it is a prize.
_PRIZE = re.compile(
    r"\bprix\b.*\b(?:remport|gagn|obten|obtien|re[cç]u|decern|attribu|recompens)"
    r"|\b(?:remport|gagn|obten|obtien|re[cç]u|decern|attribu)\w*\b.*\bprix\b"
)
_OTHER_ASKING = re.compile(
    r"\s*(?:que|qu'|quoi|qui|quel|quelle|quels|quelles|comment|pourquoi|combien|ou\b|what"
    r"|who|which|how|why|where)"
)
_CONJUNCTION_WHEN = re.compile(r"(?<=\w )(?:quand|when)\b(?!\s*\??\s*$)")


_COUNTED = re.compile(
    r"\b(?:how many|number of|combien(?: y a-t-il| il y a| y en a-t-il)?(?: de | d')"
    r"|(?:le |quel )?nombre (?:de |d'))\s*([^\W\d_][\w'-]*)"
)


def counted_noun(question: str) -> str:
    """What a count question counts, folded: "How many volunteers does…" -> "volunteers",
    "Combien de bénévoles…" -> "benevoles", "Il y a combien de CAE…" -> "cae"; "" when the
    question counts nothing. An answer that gives a number of something else (tonnes when
    volunteers were asked) does not answer it."""
    match = _COUNTED.search(fold(question))
    if not match or match.group(1) in _ANY_COUNT:
        return ""
    return match.group(1)


# Nouns that count anyone or anything: "How many people work there?" is answered by
# "onze salariés" as well; "Combien de structures employeuses… ?" by "un millier
# d'établissements employeurs" (a structure, an organisation, an establishment: the
# field's words for any of its bodies).
_ANY_COUNT = frozenset(
    """people persons personnes gens fois times structures organismes organisations
    organizations etablissements entites acteurs bodies entities""".split()
)


_ROLE_ASKED = re.compile(
    r"^(?:qui est|qui sont|qui etait|who is|who's|who are|who was)\s+(?:le |la |l'|les |the )?"
    r"(?:actuel(?:le)? |current |new |nouveau |nouvelle )?([a-z][\w'-]*)"
)


def role_asked(question: str) -> str:
    """The office a "who holds it" question asks about, folded: "Qui est le maire de
    Poitiers ?" -> "maire", "Who is the director of…" -> "director"; "" for a question
    about a named person ("Qui est Denis Meunier ?"), about anything but an office, or
    any other question. When no source ever names that office, none can say who holds it."""
    text = question.strip()
    match = _ROLE_ASKED.search(fold(text))
    if not match:
        return ""
    start = match.start(1)
    word = match.group(1)
    if text[start : start + 1].isupper() or not _OFFICES.match(word):
        return ""
    return word


# Offices held by one person at a time, whose holder a text names with the title: "who
# founded it" or "who are the partners" are answered in other words ("fondée par…").
_OFFICES = re.compile(
    r"(?:maire|adjointe?|presidente?|vice-presidente?|directeur|directrice|prefete?|deputee?"
    r"|senat(?:eur|rice)|ministre|conseill(?:er|ere)|delegue?e?|secretaire|tresori(?:er|ere)"
    r"|gerante?|mayor|president|director|prefect|minister|councillor|chair(?:man|woman)?"
    r"|treasurer|secretary)s?$"
)


def evidence_match(question_kind: str, sentence: str, *, of_things: bool = False) -> float:
    """1.0 when ``sentence`` holds the kind of information asked for, else 0.0.
    ``of_things``: a ``how_many`` question that names what it counts ("Dans combien de
    SCIC… ?"), which a share or a sum of money does not answer; "C'est combien pour
    adhérer ?" is answered by one."""
    if question_kind == "who":
        folded = fold(sentence)
        names = _PROPER_NOUN.findall(sentence)
        return 1.0 if names or _ROLE.search(folded) else 0.0
    if question_kind == "where":
        return 1.0 if _EVIDENCE["where"].search(sentence) else 0.0
    pattern = _EVIDENCE.get(question_kind)
    if pattern is None:
        return 0.0
    folded = fold(sentence)
    if question_kind == "how_many" and of_things:
        # "Dans combien de SCIC… ?" is not answered by "dans la limite de 50 % du
        # capital": a share or a sum of money is not a count of things.
        folded = _NOT_A_COUNT.sub(" ", folded)
    return 1.0 if pattern.search(folded) else 0.0


_NOT_A_COUNT = re.compile(
    r"\d[\d\s.,]*\s?(?:%|€|m€|k€|euros?\b|pour ?cent\b|percent\b)"
    # A year is a date, not a count: "la loi ESS de 2014", "depuis 2016", "in 2019".
    r"|\b(?:en|de|du|depuis|des|le|au|jusqu'en|in|since|of|from|by|until)\s+(?:19|20)\d\d\b"
    rf"|\b(?:{_MONTHS})\s+(?:19|20)\d\d\b"
    rf"|\b(?:(?:{_NUMBER_WORDS}|et|un|une|one)[\s-]+)+(?:pour ?cent|percent)\b"
)


_IDENTITY = re.compile(
    r"^\s*(?:qui\s+(?:est|etait|sont|etaient)|who\s+(?:is|was|are|were))\s+(?P<rest>.+?)\s*\??\s*$",
    re.IGNORECASE,
)


def identity_subject(question: str) -> str:
    """The name an identity question asks about ("Qui est Pascal Duforestel ?", "Who is
    Denis Meunier?"): what follows "qui est" / "who is" when it is a name and nothing
    else; "" for other questions ("Qui est le maire de Poitiers ?" asks for a name)."""
    match = _IDENTITY.match(fold(question))
    names = question_entities(question)
    if not match or len(names) != 1:
        return ""
    return names[0] if fold(names[0]) == match.group("rest").strip() else ""


_DESCRIBED_AFTER = r"\s*(?:,|\(|est\s+(?:un|une|le|la|l'|aussi)|is\s+(?:a|an|the))\s*\S"


def describes(sentence: str, name: str) -> bool:
    """Whether ``sentence`` names ``name`` and says who or what it is: an apposition or a
    copula after the name ("Pascal Duforestel, vice-président de la CAN", "Denis Meunier, l'un des
    cofondateurs", "Charlélie Flamant est designer"), or a role word ("présidente",
    "co-founder"). "l'interview de Pascal Duforestel" only names him."""
    folded, named = fold(sentence), fold(name)
    if named not in folded:
        return False
    if _ROLE.search(folded) or _ROLES_PLURAL.search(folded):
        return True
    return re.search(re.escape(named) + _DESCRIBED_AFTER, folded) is not None


_ROLES_PLURAL = re.compile(
    r"\b(?:cofondat(?:eur|rice)s|co-fondat(?:eur|rice)s?|fondat(?:eur|rice)s|co-founders"
    r"|founders|presidents?e?s?|directeurs|directrices|adjointe?s?)\b"
)


def is_follow_up(question: str, content_terms: Sequence[str]) -> bool:
    """Whether ``question`` leans on the conversation ("Et à quelle date ?", "Who founded it?")."""
    text = fold(question).strip()
    if _FOLLOW_UP_START.search(text):
        return True
    if len(content_terms) <= 1:
        return True
    return bool(_PRONOUNS.search(text)) and len(content_terms) <= 3


_ENTITY = re.compile(r"(?<!^)(?<![.?!]\s)\b([A-ZÀ-Ý][\w’'-]*(?:\s+[A-ZÀ-Ý][\w’'-]*)*)")
_NOT_NAMES = frozenset(
    """ESS SSE I Et And Qui Que Quel Quelle Quels Quelles Who What When Where Why How Which
    Combien Comment Pourquoi Où Est Is Are Do Does Did Can Tu Vous Il Elle""".split()
    # English writes months and weekdays with a capital: "held in October 2018" names a
    # date, which the date and number checks look at, not something the evidence must
    # spell as written (the French evidence says "octobre").
    + """January February March April May June July August September October November
    December Monday Tuesday Wednesday Thursday Friday Saturday Sunday""".split()
)


_POSSESSIVE = re.compile(r"[’']s$")


def question_entities(question: str) -> list[str]:
    """Names the question is about: capitalised words past its first word ("Bordeaux",
    "Le Baudet"), which the evidence must mention for an answer to be about them."""
    names = []
    for match in _ENTITY.finditer(question.strip()):
        words = [w.strip("’'-") for w in match.group(1).split() if w not in _NOT_NAMES]
        words = [w for w in words if w]
        if words:
            # "Hamon's visit" names Hamon: the evidence writes "Benoît Hamon", never with
            # an English possessive; inside a name it stays ("King's African Rifles").
            words[-1] = _POSSESSIVE.sub("", words[-1])
            names.append(" ".join(words))
    return names
