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
        council_name -> Text,
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
        subject -> Text,
        cooperation_start_year -> Nullable<Integer>,
    }
}

diesel::table! {
    focus_areas (id) {
        id -> Integer,
        round_id -> Integer,
        number -> Integer,
        title -> Text,
        proposal_submission_id -> Nullable<Integer>,
        group_id -> Nullable<Integer>,
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
        active -> Bool,
        session_generation -> Integer,
        deactivated_at -> Nullable<Timestamp>,
        installation_admin -> Bool,
        break_glass -> Bool,
    }
}

diesel::table! {
    site_pages (page) {
        page -> Text,
        content -> Text,
        updated_at -> Timestamp,
        updated_by -> Nullable<Integer>,
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
        evidence_url -> Nullable<Text>,
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

diesel::table! {
    user_identities (provider, subject) {
        provider -> Text,
        subject -> Text,
        user_id -> Integer,
        email -> Text,
        linked_at -> Timestamp,
        last_used_at -> Timestamp,
    }
}

diesel::table! {
    totp_secrets (user_id) {
        user_id -> Integer,
        secret -> Text,
        last_step -> BigInt,
        enabled_at -> Timestamp,
    }
}

diesel::table! {
    recovery_codes (id) {
        id -> Integer,
        user_id -> Integer,
        code_hash -> Text,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(user_identities -> users (user_id));
diesel::joinable!(municipalities -> kkrs (kkr_id));
diesel::joinable!(rounds -> kkrs (kkr_id));
diesel::joinable!(focus_areas -> rounds (round_id));
diesel::joinable!(round_versions -> rounds (round_id));
diesel::joinable!(recommendations -> focus_areas (focus_area_id));
diesel::joinable!(submissions -> rounds (round_id));
diesel::joinable!(submissions -> municipalities (municipality_code));
diesel::joinable!(answers -> submissions (submission_id));
diesel::joinable!(answers -> recommendations (recommendation_id));
diesel::joinable!(round_schedule -> rounds (round_id));

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
    site_pages,
    data_version,
    invitations,
    reminders,
    reminder_recipients,
    mail_outbox,
    municipality_groups,
    municipality_group_members,
    round_municipalities,
    recommendation_merges,
    round_versions,
    reminder_plans,
    planned_reminders,
    round_schedule,
    council_meetings,
    notice_opt_outs,
    round_group_members,
    group_coordinators,
    group_expectations,
    user_identities,
);

diesel::table! {
    round_group_members (round_id, group_id, municipality_code) {
        round_id -> Integer,
        group_id -> Integer,
        municipality_code -> Text,
    }
}

diesel::table! {
    group_coordinators (group_id, user_id) {
        group_id -> Integer,
        user_id -> Integer,
    }
}

diesel::table! {
    group_expectations (round_id, group_id) {
        round_id -> Integer,
        group_id -> Integer,
        text -> Text,
        updated_at -> Timestamp,
        updated_by -> Nullable<Integer>,
    }
}

diesel::table! {
    round_versions (round_id) {
        round_id -> Integer,
        version -> BigInt,
        form_changes -> BigInt,
    }
}

diesel::table! {
    data_version (id) {
        id -> Integer,
        version -> BigInt,
        shown -> BigInt,
        accounts -> BigInt,
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
        expires_at -> Timestamp,
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
    invitations (id) {
        id -> Integer,
        user_id -> Integer,
        purpose -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        created_by -> Nullable<Integer>,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    reminders (id) {
        id -> Integer,
        round_id -> Integer,
        sent_at -> Timestamp,
        sent_by -> Nullable<Integer>,
        planned_id -> Nullable<Integer>,
    }
}

diesel::table! {
    reminder_plans (round_id) {
        round_id -> Integer,
        paused -> Bool,
    }
}

diesel::table! {
    council_meetings (round_id, municipality_code) {
        round_id -> Integer,
        municipality_code -> Text,
        meeting_date -> Date,
        set_at -> Timestamp,
        set_by -> Nullable<Integer>,
    }
}

diesel::table! {
    round_schedule (id) {
        id -> Integer,
        round_id -> Integer,
        step -> Text,
        due_at -> Timestamp,
        done_at -> Nullable<Timestamp>,
        outcome -> Nullable<Text>,
        detail -> Text,
    }
}

diesel::table! {
    planned_reminders (id) {
        id -> Integer,
        round_id -> Integer,
        rule -> Text,
        days -> Integer,
        due_at -> Nullable<Timestamp>,
        done_at -> Nullable<Timestamp>,
        outcome -> Nullable<Text>,
        reminder_id -> Nullable<Integer>,
    }
}

diesel::table! {
    notice_opt_outs (user_id, notice) {
        user_id -> Integer,
        notice -> Text,
    }
}

diesel::table! {
    reminder_recipients (id) {
        id -> Integer,
        reminder_id -> Integer,
        municipality_code -> Text,
        email -> Text,
        delivered -> Bool,
        error -> Nullable<Text>,
        outbox_id -> Nullable<Integer>,
    }
}

diesel::table! {
    mail_outbox (id) {
        id -> Integer,
        kind -> Text,
        recipient -> Text,
        subject -> Text,
        body -> Text,
        user_id -> Nullable<Integer>,
        created_at -> Timestamp,
        attempts -> Integer,
        last_error -> Nullable<Text>,
        last_attempt_at -> Nullable<Timestamp>,
        next_attempt_at -> Timestamp,
        claimed_by -> Nullable<Text>,
        claimed_until -> Nullable<Timestamp>,
        sent_at -> Nullable<Timestamp>,
        failed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    municipality_groups (id) {
        id -> Integer,
        kkr_id -> Integer,
        name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    municipality_group_members (group_id, municipality_code) {
        group_id -> Integer,
        municipality_code -> Text,
    }
}

diesel::joinable!(invitations -> users (user_id));
diesel::joinable!(reminders -> users (sent_by));
diesel::joinable!(reminder_recipients -> reminders (reminder_id));
diesel::joinable!(reminder_recipients -> mail_outbox (outbox_id));
diesel::joinable!(mail_outbox -> users (user_id));
diesel::joinable!(planned_reminders -> rounds (round_id));
diesel::joinable!(notice_opt_outs -> users (user_id));
diesel::joinable!(municipality_group_members -> municipality_groups (group_id));

diesel::table! {
    round_municipalities (round_id, municipality_code) {
        round_id -> Integer,
        municipality_code -> Text,
    }
}

diesel::table! {
    recommendation_merges (recommendation_id, merged_from) {
        recommendation_id -> Integer,
        merged_from -> Integer,
    }
}

diesel::joinable!(round_municipalities -> rounds (round_id));
diesel::joinable!(round_municipalities -> municipalities (municipality_code));

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

diesel::table! {
    set_edits (id) {
        id -> Integer,
        round_id -> Integer,
        edit -> Text,
        undone -> Bool,
    }
}
