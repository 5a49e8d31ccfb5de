"""How often the weak-result notice is right: on the questions its thresholds were chosen on, and
on two sets written afterwards, before the notice saw them.

On-topic questions should not be flagged (a false notice tells a user a good answer is bad);
off-topic ones should. The thresholds (``search/confidence.py``) were chosen on the 24 dev
questions and ``OFF_TOPIC_TUNING``; ``ON_TOPIC_HELD_OUT`` (over the bundled corpus) and
``OFF_TOPIC_HELD_OUT`` were written after that and never used to change them.

    .venv/bin/python benchmarks/confidence.py --queries ../shared/eval/dev_queries.jsonl   # after `make ingest`
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from api.service import VaksamService
from search.settings import Settings

OFF_TOPIC_TUNING = [
    "Hur bakar man kanelbullar?", "Vilken är Sveriges högsta fjäll?", "recept på pannkakor",
    "Hur byter man vinterdäck på en bil?", "What is the capital of Australia?", "aktiekurs för Volvo idag",
    "Vem vann fotbolls-VM 2018?", "Hur fungerar en kvantdator?", "bästa sättet att odla tomater",
    "tidtabell för pendeltåg till Stockholm", "how to install python on windows", "Vad kostar en hund?",
    "Hur många ben har en spindel?", "semesterresor till Thailand", "programmering i Rust", "fotosyntes i växter",
    "Vem skrev Röda rummet?", "deklaration av bostadsrätt skatteverket", "vintercykling dubbdäck", "pizza med ananas",
]  # fmt: skip
OFF_TOPIC_HELD_OUT = [
    "Hur lång tid tar det att koka ägg?", "Vilka filmer vann Oscar 2020?", "Hur fungerar solceller?",
    "bästa skidorterna i Alperna", "Hur tränar man inför ett maraton?", "Vad äter pandor?",
    "When was the Eiffel Tower built?", "laga en punktering på cykeln", "Hur gör man surdegsbröd?",
    "vilka planeter har ringar", "växelkurs euro till kronor", "Hur planterar man potatis?", "regler för schack",
    "Hur tar man bort mögel i badrummet?", "Vem uppfann telefonen?", "bensinpriset i Sverige",
    "Hur installerar man en diskmaskin?", "Vilka fåglar flyttar söderut på hösten?", "stickmönster för en tröja",
    "best pizza in Naples",
]  # fmt: skip
ON_TOPIC_HELD_OUT = [
    "Vad var Street sessions i Botkyrka konsthall?", "Hur får civilsamhället bidrag till sommarlovsaktiviteter?",
    "Vilka åldrar utbildas i det våldspreventiva programmet i Botkyrka?", "Vad såldes på julmarknaden?",
    "Varför ansåg Socialstyrelsen att en aktivitet inte stämde med statsbidragets syfte?",
    "Vilka nätverksgrupper anordnade aktiviteter i Fittja?", "Hur ska Botkyrka utveckla en angelägen kulturverksamhet?",
    "Hur spreds handboken om MVP till kommunerna?", "Vilka utbildningar gav myndigheten om våldsprevention?",
    "What is the socio-ecological model used for?", "Varför är vuxennärvaro i det offentliga rummet viktig?",
    "Hur kompetenshöjdes fältassistenterna?", "Vilka kommuner deltog i uppdraget om jämställdhet?",
    "Vad syftade resan till USA till?", "How does Botkyrka involve parents in violence prevention?",
    "Vad är meningsfulla aktiviteter på fritiden bra för?",
]  # fmt: skip


def flagged(service: VaksamService, questions: list[str]) -> list[tuple[str, str, float | None, float | None]]:
    rows = []
    for q in questions:
        scored = service.searcher.ranked(q, 10)
        confidence, dense, coverage = service.searcher.confidence(scored, q)
        rows.append((q, confidence.value, dense, coverage))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=Path, required=True, help="the dev questions (on topic, tuning)")
    parser.add_argument("--verbose", action="store_true", help="every question with its cosine and word share")
    args = parser.parse_args()
    dev = [json.loads(line)["query"] for line in args.queries.read_text(encoding="utf-8").splitlines() if line.strip()]
    service = VaksamService(Settings())
    try:
        sets = [
            ("tuning", "on topic (dev)", dev, False),
            ("tuning", "off topic", OFF_TOPIC_TUNING, True),
            ("held out", "on topic", ON_TOPIC_HELD_OUT, False),
            ("held out", "off topic", OFF_TOPIC_HELD_OUT, True),
        ]
        print(f"{'split':10}{'set':18}{'questions':>10}{'flagged low':>13}{'right':>8}")
        for split, name, questions, off in sets:
            rows = flagged(service, questions)
            low = sum(r[1] == "low" for r in rows)
            right = low if off else len(rows) - low
            print(f"{split:10}{name:18}{len(rows):>10}{low:>13}{right / len(rows):>8.0%}")
            if args.verbose:
                for q, c, d, cov in rows:
                    print(f"    {c:5} cos {d or 0:.3f} words {cov or 0:.2f}  {q}")
    finally:
        service.close()


if __name__ == "__main__":
    main()
