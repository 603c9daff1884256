/// The Greater-Than nouns of the reference, in its order (TASK_DATA.md §2.1).
enum GreaterThanWords {
    /// 120 nouns; `torch.randint` indexes into this list.
    static let nouns: [String] = [
        "abduction", "accord", "affair", "agreement", "appraisal", "assaults", "assessment", "attack",
        "attempts", "campaign", "captivity", "case", "challenge", "chaos", "clash", "collaboration",
        "coma", "competition", "confrontation", "consequence", "conspiracy", "construction", "consultation", "contact",
        "contract", "convention", "cooperation", "custody", "deal", "decline", "decrease", "demonstrations",
        "development", "disagreement", "disorder", "dispute", "domination", "dynasty", "effect", "effort",
        "employment", "endeavor", "engagement", "epidemic", "evaluation", "exchange", "existence", "expansion",
        "expedition", "experiments", "fall", "fame", "flights", "friendship", "growth", "hardship",
        "hostility", "illness", "impact", "imprisonment", "improvement", "incarceration", "increase", "insurgency",
        "invasion", "investigation", "journey", "kingdom", "marriage", "modernization", "negotiation", "notoriety",
        "obstruction", "operation", "order", "outbreak", "outcome", "overhaul", "patrols", "pilgrimage",
        "plague", "plan", "practice", "process", "program", "progress", "project", "pursuit",
        "quest", "raids", "reforms", "reign", "relationship", "retaliation", "riot", "rise",
        "rivalry", "romance", "rule", "sanctions", "shift", "siege", "slump", "stature",
        "stint", "strikes", "study", "test", "testing", "tests", "therapy", "tour",
        "tradition", "treaty", "trial", "trip", "unemployment", "voyage", "warfare", "work",
    ]
}
