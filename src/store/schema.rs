//! The diesel schema, kept by hand with portable column types (see migrations/).

diesel::table! {
    kkrs (id) {
        id -> Integer,
        name -> Text,
    }
}

diesel::table! {
    municipalities (code) {
        code -> Text,
        name -> Text,
        kkr_id -> Integer,
    }
}

diesel::table! {
    rounds (id) {
        id -> Integer,
        kkr_id -> Integer,
        year -> Integer,
        title -> Text,
        deadline -> Timestamp,
        state -> Text,
    }
}

diesel::table! {
    focus_areas (id) {
        id -> Integer,
        round_id -> Integer,
        number -> Integer,
        title -> Text,
    }
}

diesel::table! {
    recommendations (id) {
        id -> Integer,
        focus_area_id -> Integer,
        code -> Text,
        text -> Text,
        binding -> Bool,
        position -> Integer,
        carried_from -> Nullable<Integer>,
    }
}

diesel::table! {
    users (id) {
        id -> Integer,
        email -> Text,
        name -> Text,
        password_hash -> Text,
        role -> Text,
        kkr_id -> Nullable<Integer>,
        municipality_code -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    submissions (id) {
        id -> Integer,
        round_id -> Integer,
        municipality_code -> Text,
        state -> Text,
        submitted_at -> Nullable<Timestamp>,
        submitted_by -> Nullable<Integer>,
        version -> Integer,
        updated_at -> Timestamp,
        updated_by -> Nullable<Integer>,
        proposals -> Text,
        reopened -> Bool,
    }
}

diesel::table! {
    answers (id) {
        id -> Integer,
        submission_id -> Integer,
        recommendation_id -> Integer,
        status -> Nullable<Text>,
        comment -> Text,
        carried -> Bool,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Integer,
        at -> Timestamp,
        user_id -> Nullable<Integer>,
        action -> Text,
        entity -> Text,
        entity_id -> Text,
        before -> Nullable<Text>,
        after -> Nullable<Text>,
    }
}

diesel::joinable!(municipalities -> kkrs (kkr_id));
diesel::joinable!(rounds -> kkrs (kkr_id));
diesel::joinable!(focus_areas -> rounds (round_id));
diesel::joinable!(recommendations -> focus_areas (focus_area_id));
diesel::joinable!(submissions -> rounds (round_id));
diesel::joinable!(submissions -> municipalities (municipality_code));
diesel::joinable!(answers -> submissions (submission_id));
diesel::joinable!(answers -> recommendations (recommendation_id));

diesel::allow_tables_to_appear_in_same_query!(
    kkrs,
    municipalities,
    rounds,
    focus_areas,
    recommendations,
    users,
    submissions,
    answers,
    audit_events,
    attachment_snapshots,
    api_tokens,
    data_version,
);

diesel::table! {
    data_version (id) {
        id -> Integer,
        version -> BigInt,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> Integer,
        user_id -> Integer,
        name -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    attachment_snapshots (id) {
        id -> Integer,
        round_id -> Integer,
        municipality_code -> Text,
        created_at -> Timestamp,
        created_by -> Integer,
        pdf -> Binary,
        data -> Text,
    }
}

diesel::table! {
    accessibility_statement (id) {
        id -> Integer,
        organisation -> Text,
        website -> Text,
        compliance -> Text,
        nonaccessible -> Text,
        evaluation_method -> Text,
        evaluation_description -> Text,
        evaluation_report_url -> Text,
        contact_email -> Text,
        contact_phone -> Text,
        prepared_on -> Text,
        reviewed_on -> Text,
        updated_at -> Timestamp,
        updated_by -> Nullable<Integer>,
    }
}
