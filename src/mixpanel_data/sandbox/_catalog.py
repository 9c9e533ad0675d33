"""The value lists the synthetic project draws from (cities, names, products, pages, ...).

Every list is fixed: the generator picks entries by hashing (seed, row, salt), so the same seed
always picks the same entries. Values deliberately include non-ASCII text, an emoji outside the BMP,
a string with double quotes and a ``null``, so that clients are exercised on JSON escaping.

Example:
    >>> CITIES[0]
    ('São Paulo', 'São Paulo', 'BR')
    >>> EVENT_NAMES.index("Purchase")
    4
"""

from __future__ import annotations

# Index = event code used inside the generator. Order matters (the generator refers to codes).
EVENT_NAMES: tuple[str, ...] = (
    "Page View",
    "Button Click",
    "Search",
    "Add to Cart",
    "Purchase",
    "Login",
    "Sign Up",
    "$identify",
)
PAGE_VIEW, BUTTON_CLICK, SEARCH, ADD_TO_CART, PURCHASE, LOGIN, SIGN_UP, IDENTIFY = range(8)

# (city, region, country code). Repeated entries weight the draw.
CITIES: tuple[tuple[str, str, str], ...] = (
    ("São Paulo", "São Paulo", "BR"),
    ("Zürich", "Zürich", "CH"),
    ("東京", "東京都", "JP"),
    ("Kraków", "Lesser Poland", "PL"),
    ("München", "Bavaria", "DE"),
    ("Paris", "Île-de-France", "FR"),
    ("New York", "New York", "US"),
    ("San Francisco", "California", "US"),
    ("Austin", "Texas", "US"),
    ("New York", "New York", "US"),
    ("London", "England", "GB"),
    ("Bengaluru", "Karnataka", "IN"),
    ("Montréal", "Quebec", "CA"),
    ("Reykjavík", "Capital Region", "IS"),
    ("Malmö", "Skåne", "SE"),
    ("Ciudad de México", "Ciudad de México", "MX"),
    ("Sydney", "New South Wales", "AU"),
    ("Seattle", "Washington", "US"),
)

# (display name, ASCII form used in e-mail addresses)
FIRST_NAMES: tuple[tuple[str, str], ...] = (
    ("José", "jose"),
    ("Zoë", "zoe"),
    ("Björn", "bjorn"),
    ("Chloé", "chloe"),
    ("Łukasz", "lukasz"),
    ("Søren", "soren"),
    ("Aoife", "aoife"),
    ("Renée", "renee"),
    ("Ana", "ana"),
    ("Yūki", "yuki"),
    ("Priya", "priya"),
    ("Olu", "olu"),
    ("Fatima", "fatima"),
    ("Noah", "noah"),
    ("Émile", "emile"),
    ("Siobhán", "siobhan"),
    ("Dmitri", "dmitri"),
    ("Mei", "mei"),
    ("Carlos", "carlos"),
    ("Grace", "grace"),
)
LAST_NAMES: tuple[tuple[str, str], ...] = (
    ("García", "garcia"),
    ("Müller", "muller"),
    ("Øvergaard", "overgaard"),
    ("Nakamura", "nakamura"),
    ("O'Brien", "obrien"),
    ("Nguyễn", "nguyen"),
    ("Kowalski", "kowalski"),
    ("Dubois", "dubois"),
    ("Silva", "silva"),
    ("Smith", "smith"),
    ("Çelik", "celik"),
    ("Jensen", "jensen"),
    ("Kim", "kim"),
    ("Rossi", "rossi"),
    ("Patel", "patel"),
    ("Novák", "novak"),
)

# (operating system, screen width)
OPERATING_SYSTEMS: tuple[tuple[str, int], ...] = (
    ("Mac OS X", 1440),
    ("Windows", 1920),
    ("iOS", 390),
    ("Android", 412),
    ("Windows", 1366),
    ("Linux", 2560),
    ("iOS", 430),
)
BROWSERS: tuple[str, ...] = ("Chrome", "Safari", "Firefox", "Edge", "Mobile Safari", "Chrome")
PLANS: tuple[str, ...] = ("free", "pro", "enterprise")

# (path, page title)
PAGES: tuple[tuple[str, str], ...] = (
    ("/", "Home · Shop"),
    ("/pricing", "Pricing"),
    ("/products", "All products"),
    ("/products/sku-1001", "Café Crème Beans"),
    ("/products/sku-1002", "Matcha 抹茶 Tin"),
    ("/blog/café-culture", "Café culture — a short history"),
    ("/docs/getting-started", "Getting started"),
    ("/about", "Über uns"),
    ("/cart", "Your cart"),
    ("/search", "Search"),
)
LANDING_PAGES: tuple[int, ...] = (0, 1, 5)  # indexes into PAGES for anonymous first visits
REFERRERS: tuple[str | None, ...] = (
    None,
    None,
    "https://www.google.com/",
    "https://news.ycombinator.com/",
    "https://t.co/",
    None,
    "https://duckduckgo.com/",
)
# (button id, button text)
BUTTONS: tuple[tuple[str, str], ...] = (
    ("buy-now", "Buy now"),
    ("buy-now-de", "Jetzt kaufen"),
    ("buy-now-fr", "Acheter maintenant"),
    ("buy-now-ja", "今すぐ購入"),
    ("newsletter", "Assinar a newsletter"),
    ("share", "Share ↗"),
    ("upgrade", "Upgrade plan"),
)
SEARCH_QUERIES: tuple[str, ...] = (
    "espresso",
    "café",
    '"red mug"',
    "matcha 抹茶",
    "crème brûlée",
    "naïve art print",
    "gift 🎁",
    "smørrebrød",
    "tea\\coffee",
)
SEARCH_FILTERS: tuple[tuple[str, ...], ...] = (
    (),
    ("in_stock",),
    ("in_stock", "on_sale"),
    ("price<20",),
)
# (product id, name, category, price in cents)
PRODUCTS: tuple[tuple[str, str, str, int], ...] = (
    ("sku-1001", "Café Crème Beans", "coffee", 1450),
    ("sku-1002", "Matcha 抹茶 Tin", "tea", 2200),
    ("sku-1003", "Müsli Crunch", "breakfast", 675),
    ("sku-1004", "Crème Brûlée Kit", "dessert", 1890),
    ("sku-1005", "Pão de Queijo Mix", "bakery", 999),
    ("sku-1006", "Smørrebrød Board", "kitchen", 3400),
    ("sku-1007", "Jalapeño Salsa", "pantry", 525),
    ("sku-1008", "Ñoquis Pasta", "pantry", 480),
    ("sku-1009", "Kimchi 김치 Jar", "pantry", 1140),
    ("sku-1010", "Espresso Cups (×4)", "kitchen", 2750),
    ("sku-1011", "Gift Card", "gift", 5000),
    ("sku-1012", "Rooibos Tea", "tea", 820),
)
CURRENCIES: tuple[str, ...] = ("USD", "USD", "USD", "EUR", "EUR", "GBP", "BRL", "JPY")
PAYMENT_METHODS: tuple[str, ...] = ("card", "card", "paypal", "apple_pay", "pix", "invoice")
COUPONS: tuple[str | None, ...] = (None, None, None, "WELCOME10", "SOMMER-25", "FREESHIP")
SIGNUP_METHODS: tuple[str, ...] = ("email", "google", "github", "email", "apple")
LOGIN_METHODS: tuple[str, ...] = ("password", "google", "magic_link", "password", "sso")
UTM_SOURCES: tuple[str | None, ...] = (None, "google", "newsletter", "twitter", None, "partner")
UTM_CAMPAIGNS: tuple[str | None, ...] = (None, "spring_sale", "launch-2026", "rétro", None)
TAG_SETS: tuple[tuple[str, ...], ...] = (
    ("promo",),
    ("mobile", "beta"),
    ("returning",),
    ("promo", "mobile", "vip"),
)
EXPERIMENT_VARIANTS: tuple[str, ...] = ("control", "variant_a", "variant_b")
THEMES: tuple[str, ...] = ("light", "dark", "system")
INTERESTS: tuple[str, ...] = ("coffee", "tea", "baking", "cooking", "design", "travel", "música")

# Group profiles (group key "company_id").
COMPANY_PREFIXES: tuple[str, ...] = (
    "Acme",
    "Nordlicht",
    "Sakura",
    "Bärenstark",
    "Cumbre",
    "Lumière",
    "Kettle & Co",
    "Żurawie",
)
COMPANY_SUFFIXES: tuple[str, ...] = ("GmbH", "Ltd", "S.A.", "AB", "株式会社", "Inc.")
INDUSTRIES: tuple[str, ...] = ("retail", "software", "hospitality", "education", "logistics")
