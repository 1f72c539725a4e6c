// The cue patterns, one per `Cue`. Included by `cues.rs` (the enum and the pattern list) and by
// `build.rs` (which compiles the list into the DFA `cues.rs` embeds), so both read the same
// patterns: change them here and the next build compiles them again.
cues! {
    // ASCII word boundaries: a DFA cannot decide a Unicode `\b`, so build.rs's compilation would
    // fail with one.
    Phone => r"(?:\+?1[ .-]?)?\(?[0-9]{3}\)?[ .-][0-9]{3}[ .-][0-9]{4}|(?-u:\b)[0-9]{3,4}[ -][0-9]{3}[ -][0-9]{3,4}(?-u:\b)",
    Price => r"[$£€] ?[0-9]|[0-9] ?(?:USD|EUR|GBP)(?-u:\b)|(?i)(?-u:\b)free(?-u:\b)",
    Url => r"(?i)https?://|www\.|(?-u:\b)[A-Za-z0-9_.-]+@[A-Za-z0-9_-]+\.[A-Za-z]|\.(?:com|org|net|example)(?-u:\b)",
    Copyright => r"(?i)©|\(c\) *[0-9]|copyright|all rights reserved",
    CallToAction => r"(?i)(?-u:\b)(?:call (?:us|now|today)|contact us|book (?:now|online|an?|your)|schedule (?:an?|your)|sign up|subscribe|get started|request (?:an?|your)|free (?:consultation|trial|assessment)|learn more|order now|buy now|shop now|download|our (?:team|clinic|clinicians|specialists|staff|program)|we (?:offer|provide|accept|can help)|insurance|by submitting|fill out (?:the|this|our) form|to be contacted|accredited by)(?-u:\b)",
    // Standard disclaimers, review notes and the site's own notices (accessibility statements,
    // cookie banners): boilerplate by the annotation guideline. An accessibility statement is
    // told by its vocabulary (WCAG, screen readers, assistive technology, keyboard navigation)
    // or by "accessible" within a sentence of "website"; plain "accessibility" is not enough (it
    // is a product's feature or a programme's name as often as a notice).
    Disclaimer => r"(?i)(?-u:\b)(?:wcag|screen[- ]?readers?|assistive technolog(?:y|ies)|keyboard[- ](?:only )?navigation|accessibility (?:statement|interface|panel|widget|menu|adjustments|profile|guidelines|standards)|digital accessibility|(?:web ?site|this site) (?:uses|use of) cookies|we use cookies|by (?:using|continuing to (?:use|browse)) (?:this|our) (?:web ?)?site|cookie (?:policy|settings|preferences)|not (?:intended (?:as|to be) |a substitute for )?(?:professional )?(?:medical|legal|financial)(?: [a-z]+)? advice|(?:general )?informational purposes|information only|not been evaluated by the food|not intended to diagnose|does not endorse|results (?:may )?vary|in exchange for an? (?:honest|free)|strives to ensure|always read the (?:label|leaflet)|seek (?:immediate )?medical (?:attention|help)|if you are experiencing a medical emergency|call 911|disclaimer|important note)(?-u:\b)",
    // Bylines, review lines and credits.
    Byline => r"^(?:(?i:about the author|written by|medically reviewed|reviewed by|fact[- ]checked|last (?:updated|reviewed)|updated on|published|photo(?:graph)?:|image:|credit:|sources?:|illustration)|By [A-Z][a-z]+ [A-Z])",
    // Author boxes, corrections and encyclopedia hatnotes.
    AuthorBio => r"(?i)(?-u:\b)(?:is a (?:board[- ]certified|licensed|registered|certified|freelance|staff|senior) |graduate of|has (?:practiced|worked|written|reported|covered)|correction:|editor'?s note|redirects here|this article is about)",
    // Offers, prices, guarantees, trust badges, insurance and newsletter pitches.
    Offer => r"(?i)% off|★|(?-u:\b)(?:discount|coupon|promo code|use code|limited[- ]time|free shipping|money[- ]back|guarantee[ds]?|risk[- ]free|best[- ]selling|top[- ]rated|award[- ]winning|5[- ]star|trusted by|join (?:over|more than)|[0-9][0-9,]*\+? (?:patients|clients|customers|members|reviews)|same[- ](?:day|week)|in[- ]network|(?:we )?accept (?:most )?(?:major )?(?:insurance|ppo)|financing|payment plans?|newsletter|inbox|testimonials?|add to cart|buy|subscribe (?:&|and) save)(?-u:\b)",
    // Site furniture: navigation, account, sharing and legal links, form mechanics.
    Navigation => r"(?i)(?-u:\b)(?:skip to|home|menu|search|log ?in|sign ?in|my account|cart|basket|privacy(?: policy)?|terms(?: of use| of service)?|cookies?|sitemap|site map|share|print|tags?:|related|read more|next|previous|comments?|reply|back to top|top of page|follow us|all rights reserved|this field|required fields?|fields? marked|left unchanged|captcha)(?-u:\b)",
    AtName => r"^At [A-Z]",
    // Testimonials and reviews: praise of a service or a person, recommendations, ratings.
    Praise => r"(?i)(?-u:\b)(?:highly recommend|would recommend|(?:can't|cannot|can not) recommend|recommend (?:him|her|them|this|it|you)|thank you|thanks to|so grateful|so happy|life[- ]changing|changed my life|amazing|fantastic|wonderful|outstanding|incredible|phenomenal|exceeded|couldn't be happier|could not be happier|pleased with|helped me|helped us|i love|we love|loved (?:it|the|my|our)|five stars|[1-5](?:\.[0-9])? (?:out of 5|stars?)|rated [0-9]|verified (?:buyer|purchase|customer)|reviews?)(?-u:\b)|[0-9](?:\.[0-9])? ?/ ?5(?-u:\b)",
    // A quote's attribution: "— Jane D.", "- Mark, Leeds", "” – Sam".
    Attribution => r#"^\s*[—–~] ?[A-Z]|^\s*- [A-Z][a-z]+(?:,| [A-Z]\.?$)|[”"] ?[—–-] ?[A-Z][a-z]+"#,
    Citation => r"\[\d+\]",
}
