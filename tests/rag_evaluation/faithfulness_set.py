"""A small labelled set for the offline judge's faithfulness: each response to a context, with its label.

Labels: ``faithful`` (states what the context says, mostly in its words), ``paraphrase`` (the same in
other words), ``negation`` (denies what the context says, by a negation cue or an antonym),
``swapped`` (a fact rebuilt from the context's own words with a name or number of another fact),
``wrong_number`` (a number the context states otherwise). Written by hand for issue 19: the first five
contexts before the contradiction checks, the next three (library, company, battery) after a first
version of them, which they then helped correct, and the check-in cases from the benchmark's sets 3
and 4. The scores before and after are in the issue's note; the held-out set is in the benchmark.
"""

from __future__ import annotations

RETURNS = ("Products can be returned within 30 days of delivery. The refund reaches the original payment method "
           "within 5 working days. Shipping is free for orders above 50 euros.")
CAPITALS = ("Rome is the capital of Italy. Paris is the capital of France. The Colosseum is in Rome and the Louvre "
            "is in Paris.")
HOTEL = ("The fitness room is open 24 hours a day. Guests can use the swimming pool from 7 to 21. Breakfast is "
         "included in the room rate.")
WARRANTY = ("The warranty covers manufacturing defects for 2 years. Accidental damage is not covered by the warranty. "
            "Repairs are done by the Milan service centre.")
COMPANY = "Anna Rossi founded the company in 2015. The head office is in Turin. The company has 120 employees."
LIBRARY = ("The library is open from 8 to 20 on weekdays and closed on Sundays. Members can borrow up to 5 books for "
           "3 weeks. Late returns cost 50 cents per day.")
ACME = "Marco Bianchi is the CEO of Acme. Acme was founded in Milan in 1998. It has offices in Rome and Naples."
CHECK_IN = ("Online check-in opens 24 hours before departure and closes 2 hours before. The gym opens at 6 and closes "
            "at 23.")
BATTERY = ("The battery lasts 10 hours. Charging takes 2 hours with the included charger. The charger is not "
           "compatible with USB-C cables.")

CASES: list[tuple[str, str, str]] = [  # (label, context, response)
    ("faithful", RETURNS, "Products can be returned within 30 days of delivery."),
    ("faithful", RETURNS, "The refund reaches the original payment method within 5 working days."),
    ("faithful", RETURNS, "You can return products within 30 days of delivery, and shipping is free above 50 euros."),
    ("faithful", CAPITALS, "Rome is the capital of Italy."),
    ("faithful", CAPITALS, "The Louvre is in Paris."),
    ("faithful", HOTEL, "The fitness room is open 24 hours a day."),
    ("faithful", HOTEL, "Breakfast is included in the room rate."),
    ("faithful", WARRANTY, "Manufacturing defects are covered for 2 years, but accidental damage is not covered."),
    ("faithful", COMPANY, "The company was founded by Anna Rossi in 2015 and has 120 employees."),
    ("paraphrase", RETURNS, "You have 30 days after delivery to send a product back."),
    ("paraphrase", RETURNS, "Orders over 50 euros ship for free."),
    ("paraphrase", RETURNS, "Your money goes back to the card you paid with in 5 working days."),
    ("paraphrase", CAPITALS, "Italy's capital city is Rome."),
    ("paraphrase", HOTEL, "You can go to the gym at night: the fitness room never closes."),
    ("paraphrase", HOTEL, "Breakfast comes with the room at no extra cost."),
    ("paraphrase", WARRANTY, "If you drop the device, the warranty will not pay for it."),
    ("paraphrase", COMPANY, "Around 120 people work at the company, whose head office is in Turin."),
    ("negation", RETURNS, "Products cannot be returned after delivery."),
    ("negation", RETURNS, "Shipping is not free for orders above 50 euros."),
    ("negation", CAPITALS, "Rome is not the capital of Italy."),
    ("negation", HOTEL, "Breakfast is not included in the room rate."),
    ("negation", HOTEL, "The fitness room is closed at night."),
    ("negation", HOTEL, "Breakfast is excluded from the room rate."),
    ("negation", WARRANTY, "Accidental damage is covered by the warranty."),
    ("negation", WARRANTY, "The warranty does not cover manufacturing defects."),
    ("swapped", RETURNS, "Products can be returned within 5 working days of delivery."),
    ("swapped", RETURNS, "Shipping is free for orders above 30 euros."),
    ("swapped", CAPITALS, "Paris is the capital of Italy."),
    ("swapped", CAPITALS, "The Colosseum is in Paris."),
    ("swapped", COMPANY, "Anna Rossi founded the company in Turin in 120."),
    ("swapped", COMPANY, "The head office is in Milan."),
    ("swapped", WARRANTY, "Repairs are done by the Turin service centre."),
    ("swapped", HOTEL, "Guests can use the fitness room from 7 to 21."),
    ("wrong_number", RETURNS, "Products can be returned within 60 days of delivery."),
    ("wrong_number", RETURNS, "Shipping is free for orders above 20 euros."),
    ("wrong_number", WARRANTY, "The warranty covers manufacturing defects for 3 years."),
    ("wrong_number", COMPANY, "The company has 250 employees."),
    ("faithful", LIBRARY, "On weekdays the library opens at 8 and closes at 20."),
    ("faithful", LIBRARY, "Returning a book late costs 50 cents a day."),
    ("faithful", ACME, "Acme was founded in 1998 in Milan."),
    ("faithful", ACME, "Acme has offices in Rome and Naples."),
    ("faithful", BATTERY, "The included charger needs 2 hours."),
    ("paraphrase", LIBRARY, "It is closed on Sundays."),
    ("paraphrase", LIBRARY, "Members may borrow 5 books at most, for 3 weeks."),
    ("paraphrase", LIBRARY, "You can't borrow more than 5 books."),
    ("paraphrase", LIBRARY, "The library does not open on Sundays."),
    ("paraphrase", ACME, "Acme's CEO is Marco Bianchi."),
    ("paraphrase", ACME, "The company, led by Marco Bianchi, started in Milan."),
    ("paraphrase", BATTERY, "A full charge takes 2 hours and lasts 10 hours."),
    ("paraphrase", BATTERY, "USB-C cables do not work with the charger."),
    ("negation", LIBRARY, "The library is open on Sundays."),
    ("negation", LIBRARY, "Late returns are free."),
    ("negation", BATTERY, "The charger is compatible with USB-C cables."),
    ("swapped", LIBRARY, "Members can borrow up to 3 books for 5 weeks."),
    ("swapped", ACME, "Acme was founded in Rome in 1998."),
    ("swapped", ACME, "Marco Bianchi is the CEO of Naples."),
    ("swapped", BATTERY, "The battery lasts 2 hours."),
    ("wrong_number", ACME, "Acme was founded in 2001."),
    ("faithful", CHECK_IN, "Check-in online closes 2 hours before departure."),  # a clause that lost its subject
    ("faithful", CHECK_IN, "The gym closes at 23."),
    ("swapped", CHECK_IN, "Online check-in opens 2 hours before departure."),
    ("swapped", CHECK_IN, "The gym opens at 23."),
]

KNOWN_MISSES: list[tuple[str, str, str]] = [  # contradictions the offline judge cannot see (no name or number moved)
    ("swapped", HOTEL, "The swimming pool is open 24 hours a day."),
]
