/// The IOI word lists of the reference (`ioi_dataset.py`), in its order:
/// random draws index into them, so the order is part of the data (TASK_DATA.md §1).
enum IOIWords {
    /// 99 first names, each one GPT-2 token after a space.
    static let names: [String] = [
        "Michael", "Christopher", "Jessica", "Matthew", "Ashley", "Jennifer", "Joshua", "Amanda", "Daniel", "David",
        "James", "Robert", "John", "Joseph", "Andrew", "Ryan", "Brandon", "Jason", "Justin", "Sarah",
        "William", "Jonathan", "Stephanie", "Brian", "Nicole", "Nicholas", "Anthony", "Heather", "Eric", "Elizabeth",
        "Adam", "Megan", "Melissa", "Kevin", "Steven", "Thomas", "Timothy", "Christina", "Kyle", "Rachel",
        "Laura", "Lauren", "Amber", "Brittany", "Danielle", "Richard", "Kimberly", "Jeffrey", "Amy", "Crystal",
        "Michelle", "Tiffany", "Jeremy", "Benjamin", "Mark", "Emily", "Aaron", "Charles", "Rebecca", "Jacob",
        "Stephen", "Patrick", "Sean", "Erin", "Jamie", "Kelly", "Samantha", "Nathan", "Sara", "Dustin",
        "Paul", "Angela", "Tyler", "Scott", "Katherine", "Andrea", "Gregory", "Erica", "Mary", "Travis",
        "Lisa", "Kenneth", "Bryan", "Lindsey", "Kristen", "Jose", "Alexander", "Jesse", "Katie", "Lindsay",
        "Shannon", "Vanessa", "Courtney", "Christine", "Alicia", "Cody", "Allison", "Bradley", "Samuel",
    ]

    /// Places and objects, in the order `random.choice` indexes them.
    static let places: [String] = ["store", "garden", "restaurant", "school", "hospital", "office", "house", "station"]
    static let objects: [String] = ["ring", "kiss", "bone", "basketball", "computer", "necklace", "drink", "snack"]

    /// ABBA template 0, the only one the ACDC IOI task uses (`nb_templates=1`):
    /// IO fills [A], S fills [B].
    static let template = "Then, [A] and [B] went to the [PLACE]. [B] gave a [OBJECT] to [A]"
}
