//! The column schema: every column of a unit's row, declared once with its name, in the order
//! the shipped model's weights expect. A row is
//!
//! 1. the dense layout and cue columns ([`Dense`], named by [`DENSE_FEATURES`]),
//! 2. the DOM columns ([`Dom`], [`DOM_FEATURES`]; zero on text pages),
//! 3. the content model's columns ([`Content`], [`CONTENT_FEATURES`]; zero without one),
//! 4. the lexicon's scores of each [`Lexical`] context ([`LEXICAL_CONTEXTS`]), one per label;
//!
//! a stacked stage's input appends the first stage's probabilities around the unit
//! ([`Neighbour`], [`NEIGHBOUR_CONTEXTS`]), one per label. Code that fills or reads a column
//! names it (`Dense::RepeatsInBatch`), never its position; [`column_name`] names any column.

use crate::types::Label;

/// Declares the columns of one section: an enum whose variants index the section, and the
/// section's names in the same order.
macro_rules! columns {
    ($(#[$doc:meta])* enum $enum:ident, $names:ident, $names_doc:literal {
        $($variant:ident = $name:literal,)*
    }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum $enum {
            $($variant,)*
        }

        #[doc = $names_doc]
        pub const $names: &[&str] = &[$($name),*];

        impl $enum {
            /// Every column of the section, in order.
            #[allow(dead_code)]
            pub(crate) const ALL: &[$enum] = &[$($enum::$variant),*];

            /// The column's index within its section.
            pub(crate) const fn index(self) -> usize {
                self as usize
            }
        }
    };
}

columns! {
    /// The dense layout and cue columns of a unit, first in its row.
    enum Dense, DENSE_FEATURES, "Names of the dense features, in column order." {
        UnitBytesLog = "unit_bytes_log",
        UnitWordsLog = "unit_words_log",
        BlockWordsLog = "block_words_log",
        UnitShort = "unit_short_1_3_words",
        UnitLong = "unit_long_over_25_words",
        EndsPeriod = "ends_period",
        EndsQuestion = "ends_question",
        EndsExclamation = "ends_exclamation",
        EndsColon = "ends_colon",
        EndsWithoutPunctuation = "ends_without_punctuation",
        UppercaseShare = "uppercase_share",
        DigitShare = "digit_share",
        PunctuationShare = "punctuation_share",
        TitlecaseWordShare = "titlecase_word_share",
        HasPhoneNumber = "has_phone_number",
        HasPrice = "has_price",
        HasPercent = "has_percent",
        HasUrlOrEmail = "has_url_or_email",
        HasCopyright = "has_copyright",
        SecondPersonShare = "second_person_share",
        FirstPersonPluralShare = "first_person_plural_share",
        StartsWithImperative = "starts_with_imperative",
        HasCallToActionPhrase = "has_call_to_action_phrase",
        PagePosition = "page_position",
        PagePositionSquared = "page_position_squared",
        InFirstTenth = "in_first_tenth",
        InLastTenth = "in_last_tenth",
        FirstUnitOfBlock = "first_unit_of_block",
        LastUnitOfBlock = "last_unit_of_block",
        BlockHasSeveralUnits = "block_has_several_units",
        Indented = "indented",
        BlankLineBefore = "blank_line_before",
        BlankLineAfter = "blank_line_after",
        RepeatsInPage = "repeats_in_page",
        CopyLaterInPage = "copy_later_in_page",
        CopyEarlierInPage = "copy_earlier_in_page",
        RepeatsInBatch = "repeats_in_batch",
        PreviousBlockWordsLog = "previous_block_words_log",
        NextBlockWordsLog = "next_block_words_log",
        PreviousBlockShort = "previous_block_short",
        NextBlockShort = "next_block_short",
        SeparatorCount = "separator_count",
        StartsWithBulletOrNumber = "starts_with_bullet_or_number",
        HasCitationMark = "has_citation_mark",
        MentionsSiteName = "mentions_site_name",
        BlockMentionsSiteName = "block_mentions_site_name",
        HasFirstPersonPlural = "has_first_person_plural",
        StartsWithAtName = "starts_with_at_name",
        HasDisclaimerPhrase = "has_disclaimer_phrase",
        HasBylineOrCreditPhrase = "has_byline_or_credit_phrase",
        HasAuthorBioPhrase = "has_author_bio_phrase",
        SiteNameAsActor = "site_name_as_actor",
        HasOfferOrTrustPhrase = "has_offer_or_trust_phrase",
        HasNavigationPhrase = "has_navigation_phrase",
        StartsWithQuote = "starts_with_quote",
        FirstPersonSingularShare = "first_person_singular_share",
        HasPraiseOrRating = "has_praise_or_rating",
        HasAttribution = "has_attribution",
        WrappedInQuotes = "wrapped_in_quotes",
        MentionsHostName = "mentions_host_name",
        // Page-level columns: filled in once every unit of the page is known.
        PageCallToActionShare = "page_call_to_action_share",
        PageFirstPersonPluralShare = "page_first_person_plural_share",
        PageHasPhoneOrPrice = "page_has_phone_or_price",
        FirstPersonPluralOnSellingPage = "first_person_plural_on_selling_page",
        SiteNameOnSellingPage = "site_name_on_selling_page",
        PagePraiseShare = "page_praise_share",
        PageQuoteShare = "page_quote_share",
        PageFirstPersonSingularShare = "page_first_person_singular_share",
        PageHostNameShare = "page_host_name_share",
        FirstPersonSingularOnTestimonialPage = "first_person_singular_on_testimonial_page",
        PraiseOnSellingPage = "praise_on_selling_page",
        HostNameOnSellingPage = "host_name_on_selling_page",
    }
}

columns! {
    /// The DOM columns of a unit, from the block it sits in (all zero on text pages). The
    /// landmark columns (`InNav` to `InDialog`) follow the order of `html::dom::landmark::NAMES`.
    enum Dom, DOM_FEATURES, "Names of the DOM features, in column order." {
        IsHtml = "is_html",
        InNav = "in_nav",
        InHeader = "in_header",
        InFooter = "in_footer",
        InAside = "in_aside",
        InForm = "in_form",
        InMain = "in_main",
        InArticle = "in_article",
        InButton = "in_button",
        InList = "in_list",
        InHeading = "in_heading",
        InTable = "in_table",
        InFigure = "in_figure",
        InLabel = "in_label",
        InBlockquote = "in_blockquote",
        InSection = "in_section",
        InDialog = "in_dialog",
        LinkDensity = "link_density",
        AllLink = "all_link",
        ElementP = "element_p",
        ElementLi = "element_li",
        ElementTableCell = "element_table_cell",
        ElementHeading = "element_heading",
        ElementDivOrBody = "element_div_or_body",
        ElementOption = "element_option",
        ElementOther = "element_other",
        HasImage = "has_image",
        Depth = "depth",
        ClassBoilerplateCue = "class_boilerplate_cue",
        ClassPromotionCue = "class_promotion_cue",
        ClassContentCue = "class_content_cue",
    }
}

columns! {
    /// The content model's furniture probabilities of a unit's block and its neighbours.
    enum Content, CONTENT_FEATURES, "Columns the content model adds to the 3-label model's rows." {
        Block = "content_model_furniture",
        PreviousBlock = "content_model_furniture_previous_block",
        NextBlock = "content_model_furniture_next_block",
    }
}

columns! {
    /// The lexical contexts of a unit: whose lexicon scores fill its last columns.
    enum Lexical, LEXICAL_CONTEXTS, "The lexical contexts of a unit, in column order." {
        Unit = "unit",
        Block = "block",
        PreviousUnit = "previous_unit",
        NextUnit = "next_unit",
        PreviousBlock = "previous_block",
        NextBlock = "next_block",
        BlockMinus2 = "block_minus_2",
        BlockPlus2 = "block_plus_2",
        Page = "page",
        Dom = "dom",
        UnitTotal = "unit_total",
        BlockTotal = "block_total",
        PreviousBlockTotal = "previous_block_total",
        NextBlockTotal = "next_block_total",
        Url = "url",
        ModelUnit = "model_unit",
        ModelBlock = "model_block",
        ModelPreviousBlock = "model_previous_block",
        ModelNextBlock = "model_next_block",
    }
}

columns! {
    /// Where a stacked stage looks for the stage before's probabilities.
    enum Neighbour, NEIGHBOUR_CONTEXTS,
        "Where the second stage looks for first-stage probabilities, in column order." {
        PreviousUnit = "previous_unit",
        NextUnit = "next_unit",
        Block = "block",
        PreviousBlock = "previous_block",
        NextBlock = "next_block",
        Page = "page",
        BlocksBefore = "blocks_before",
        BlocksAfter = "blocks_after",
        Section = "section",
        PageTimesUnit = "page_times_unit",
        Heading = "heading",
        HeadingSection = "heading_section",
    }
}

/// A row (or its dense section) indexed by a dense column's name.
impl std::ops::Index<Dense> for [f32] {
    type Output = f32;
    fn index(&self, column: Dense) -> &f32 {
        &self[dense(column)]
    }
}

impl std::ops::IndexMut<Dense> for [f32] {
    fn index_mut(&mut self, column: Dense) -> &mut f32 {
        &mut self[dense(column)]
    }
}

/// A row indexed by a dense column's name.
impl std::ops::Index<Dense> for Vec<f32> {
    type Output = f32;
    fn index(&self, column: Dense) -> &f32 {
        &self[dense(column)]
    }
}

impl std::ops::IndexMut<Dense> for Vec<f32> {
    fn index_mut(&mut self, column: Dense) -> &mut f32 {
        &mut self[dense(column)]
    }
}

/// Where the DOM columns start in a row.
pub(crate) const DOM_START: usize = DENSE_FEATURES.len();
/// Where the content model's columns start in a row: the width of a block's row, which the
/// content model reads (the dense and DOM columns).
pub(crate) const CONTENT_START: usize = DOM_START + DOM_FEATURES.len();
/// Columns before the lexical ones: the dense, DOM and content columns.
pub(crate) const LAYOUT_WIDTH: usize = CONTENT_START + CONTENT_FEATURES.len();
/// Columns of a first-stage row: the layout columns, then one per lexical context and label.
pub(crate) const WIDTH: usize = LAYOUT_WIDTH + LEXICAL_CONTEXTS.len() * Label::COUNT;
/// Columns a stacked stage appends: one per neighbour context and label.
pub const NEIGHBOUR_COLUMNS: usize = NEIGHBOUR_CONTEXTS.len() * Label::COUNT;

/// The row column of a dense column.
pub(crate) const fn dense(column: Dense) -> usize {
    column.index()
}

/// The row column of the lexicon's score of `label` in a lexical context.
pub(crate) const fn lexical(context: Lexical, label: usize) -> usize {
    LAYOUT_WIDTH + context.index() * Label::COUNT + label
}

/// A readable name for any column of a first-stage row or of a stacked stage's input.
pub fn column_name(column: usize) -> String {
    let labelled = |contexts: &[&str], i: usize, prefix: &str| {
        format!(
            "{prefix}_{}_{}",
            contexts[i / Label::COUNT],
            Label::from_index(i % Label::COUNT)
        )
    };
    if column < DOM_START {
        DENSE_FEATURES[column].to_string()
    } else if column < CONTENT_START {
        DOM_FEATURES[column - DOM_START].to_string()
    } else if column < LAYOUT_WIDTH {
        CONTENT_FEATURES[column - CONTENT_START].to_string()
    } else if column < WIDTH {
        labelled(LEXICAL_CONTEXTS, column - LAYOUT_WIDTH, "lexicon")
    } else {
        labelled(NEIGHBOUR_CONTEXTS, column - WIDTH, "neighbours")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_columns_keep_the_shipped_models_order() {
        // The shipped model's widths: 72 dense, 31 DOM, 3 content, 19 lexical contexts and 10
        // neighbour contexts of 3 labels.
        assert_eq!(
            (DOM_START, CONTENT_START, LAYOUT_WIDTH, WIDTH),
            (72, 103, 106, 163)
        );
        assert_eq!(NEIGHBOUR_COLUMNS, 36);
        assert_eq!(dense(Dense::PagePosition), 23);
        assert_eq!(dense(Dense::RepeatsInBatch), 36);
        assert_eq!(
            dense(Dense::PageCallToActionShare),
            DENSE_FEATURES.len() - 12
        );
        assert_eq!(Dense::ALL.len(), DENSE_FEATURES.len());
        assert_eq!(column_name(0), "unit_bytes_log");
        assert_eq!(column_name(DOM_START + Dom::IsHtml.index()), "is_html");
        assert_eq!(column_name(CONTENT_START), "content_model_furniture");
        assert_eq!(column_name(LAYOUT_WIDTH + 4), "lexicon_block_promotion");
        assert_eq!(
            column_name(lexical(Lexical::ModelNextBlock, 2)),
            "lexicon_model_next_block_boilerplate"
        );
        assert_eq!(
            column_name(WIDTH + Neighbour::PageTimesUnit.index() * 3),
            "neighbours_page_times_unit_education"
        );
    }

    #[test]
    fn landmark_columns_follow_the_landmark_names() {
        for (bit, name) in crate::html::dom::landmark::NAMES.iter().enumerate() {
            assert_eq!(DOM_FEATURES[Dom::InNav.index() + bit], format!("in_{name}"));
        }
        assert_eq!(
            Dom::InNav.index() + crate::html::dom::landmark::NAMES.len(),
            Dom::LinkDensity.index()
        );
    }
}
