//! The form writer's multi-row statements on PostgreSQL, with their values bound as arrays
//! (`unnest`): one statement text whatever the group's size.
//!
//! A group of saves writes its forms, answers and audit rows while it holds the database's
//! one write lock: all of them in one statement ([`WriteGroup`]); a single save, its pieces
//! one statement each. Written as multi-row `VALUES`, a statement's text depends on the
//! group's size, so PostgreSQL parsed and planned it again for every group (about 1,500 bound
//! values for a group of 17 saves) and diesel sent it in two round trips, one to prepare it
//! and one to run it. Here each statement is a type of its own with a constant text and one
//! array per column: diesel prepares it once per connection and keeps it, and it then costs
//! one round trip and no planning. SQLite keeps the multi-row statements, which cost it no
//! round trip.

use chrono::NaiveDateTime;
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{Array, BigInt, Bool, Integer, Nullable, Text, Timestamp};
use diesel::{PgConnection, QueryResult, RunQueryDsl};

/// Declares the columns of statements over arrays: a slice of `$rust` for each, bound as an
/// array of `$sql_type`, in order and separated by commas; and `$owned`, which holds them.
macro_rules! array_columns {
    (
        $(#[$doc:meta])*
        $name:ident<$lt:lifetime>, $owned:ident { $($column:ident: $sql_type:ty => $rust:ty),+ $(,)? }
    ) => {
        $(#[$doc])*
        pub struct $name<$lt> {
            $(pub $column: &$lt [$rust],)+
        }

        /// The same columns' values, one vector each, as the caller gathers them.
        pub struct $owned<$lt> {
            $(pub $column: Vec<$rust>,)+
        }

        impl<$lt> $owned<$lt> {
            pub fn columns(&self) -> $name<'_> {
                $name { $($column: &self.$column,)+ }
            }
        }

        impl<$lt> $name<$lt> {
            fn bind<'b>(&'b self, out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()> {
                let mut first = true;
                $(
                    if !std::mem::take(&mut first) {
                        out.push_sql(", ");
                    }
                    out.push_bind_param::<Array<$sql_type>, [$rust]>(self.$column)?;
                )+
                Ok(())
            }
        }
    };
}

/// Declares a statement over arrays of `$columns`: its text before and after them. Each
/// statement is a type of its own, which is what diesel's cache of prepared statements knows
/// it by.
macro_rules! array_statement {
    (
        $(#[$doc:meta])*
        $name:ident<$lt:lifetime>($columns:ident, $before:expr, $after:expr $(, $tail:expr)? $(,)?)
    ) => {
        $(#[$doc])*
        pub struct $name<$lt>(pub $columns<$lt>);

        impl<$lt> $name<$lt> {
            /// Writes the statement over `columns` (also as a part of [`WriteGroup`]).
            fn write<'b>(columns: &'b $columns<$lt>, out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()> {
                out.push_sql($before);
                columns.bind(out)?;
                out.push_sql($after);
                $(($tail)(columns, out)?;)?
                Ok(())
            }
        }

        impl<$lt> QueryId for $name<$lt> {
            type QueryId = $name<'static>;
            const HAS_STATIC_QUERY_ID: bool = true;
        }

        impl<$lt> QueryFragment<Pg> for $name<$lt> {
            fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
                Self::write(&self.0, &mut out)
            }
        }

        impl<$lt> RunQueryDsl<PgConnection> for $name<$lt> {}
    };
}

array_columns! {
    /// Forms' rows as a group of saves leaves them, with the version each is stored at.
    FormColumns<'a>, FormArrays {
        id: Integer => i32,
        old_version: Integer => i32,
        state: Text => &'a str,
        submitted_at: Nullable<Timestamp> => Option<NaiveDateTime>,
        submitted_by: Nullable<Integer> => Option<i32>,
        version: Integer => i32,
        updated_at: Timestamp => NaiveDateTime,
        updated_by: Integer => i32,
        proposals: Text => &'a str,
        reopened: Bool => bool,
    }
}

array_columns! {
    /// Answers, by (form, recommendation).
    AnswerColumns<'a>, AnswerArrays {
        submission_id: Integer => i32,
        recommendation_id: Integer => i32,
        status: Nullable<Text> => Option<&'a str>,
        comment: Text => &'a str,
        carried: Bool => bool,
        evidence_url: Nullable<Text> => Option<&'a str>,
    }
}

array_columns! {
    /// Audit rows.
    AuditColumns<'a>, AuditArrays {
        at: Timestamp => NaiveDateTime,
        user_id: Nullable<Integer> => Option<i32>,
        action: Text => &'a str,
        entity: Text => &'a str,
        entity_id: Text => &'a str,
        before: Nullable<Text> => Option<&'a str>,
        after: Nullable<Text> => Option<&'a str>,
    }
}

array_statement! {
    /// Writes the forms' rows, each only if it is still at the version given beside it.
    UpdateForms<'a>(
        FormColumns,
        "UPDATE submissions SET state = v.state, submitted_at = v.submitted_at, \
         submitted_by = v.submitted_by, version = v.version, updated_at = v.updated_at, \
         updated_by = v.updated_by, proposals = v.proposals, reopened = v.reopened \
         FROM unnest(",
        ") AS v (id, old_version, state, submitted_at, submitted_by, version, updated_at, \
         updated_by, proposals, reopened) \
         WHERE submissions.id = v.id AND submissions.version = v.old_version",
    )
}

array_statement! {
    /// Changes answers in place. The answers are also picked by their forms' ids, so that the
    /// rows are found through the index on (form, recommendation) however the planner
    /// estimates the arrays: joined with the whole table instead, the statement read every
    /// answer, and the dead versions of those saved moments before (measured: 4 ms of a group's
    /// 4.5 ms on a table of 2,400 answers under the save load).
    UpdateAnswers<'a>(
        AnswerColumns,
        "UPDATE answers SET status = v.status, comment = v.comment, carried = v.carried, \
         evidence_url = v.evidence_url FROM unnest(",
        ") AS v (submission_id, recommendation_id, status, comment, carried, evidence_url) \
         WHERE answers.submission_id = v.submission_id \
         AND answers.recommendation_id = v.recommendation_id",
        |columns: &'b AnswerColumns<'a>, out: &mut AstPass<'_, 'b, Pg>| {
            out.push_sql(" AND answers.submission_id = ANY(");
            out.push_bind_param::<Array<Integer>, [i32]>(columns.submission_id)?;
            out.push_sql(")");
            QueryResult::Ok(())
        },
    )
}

array_statement! {
    /// Inserts new answers.
    InsertAnswers<'a>(
        AnswerColumns,
        "INSERT INTO answers \
         (submission_id, recommendation_id, status, comment, carried, evidence_url) \
         SELECT * FROM unnest(",
        ")",
    )
}

array_statement! {
    /// Inserts audit rows, numbered in the order given (a history reads them by number).
    InsertAudit<'a>(
        AuditColumns,
        "INSERT INTO audit_events (at, user_id, action, entity, entity_id, before, after) \
         SELECT at, user_id, action, entity, entity_id, before, after FROM unnest(",
        ") WITH ORDINALITY AS v (at, user_id, action, entity, entity_id, before, after, n) \
         ORDER BY n",
    )
}

/// A group of saves' writes in one statement, and the markers they leave: the forms' rows
/// (each only if still at the version given beside it), the answers changed in place and the
/// new ones, the audit rows in order, and the shown marker moved when `moves_shown`. Gives
/// the number of forms and of answers updated, which the caller checks against what it
/// meant to update, and the three markers as the statement leaves them.
///
/// The group holds the `data_version` row from its first statement to its commit, and the
/// other processes' groups wait for it, so each round trip in between counts: these are one.
/// The statements in its `WITH` run on one snapshot and touch different rows; the markers are
/// read from the shown marker's update when it moves, and as this transaction left them
/// otherwise.
pub struct WriteGroup<'a> {
    pub forms: FormColumns<'a>,
    pub updated: AnswerColumns<'a>,
    pub inserted: AnswerColumns<'a>,
    pub audit: AuditColumns<'a>,
    pub moves_shown: bool,
}

impl QueryId for WriteGroup<'_> {
    type QueryId = WriteGroup<'static>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl QueryFragment<Pg> for WriteGroup<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("WITH forms AS (");
        UpdateForms::write(&self.forms, &mut out)?;
        out.push_sql(" RETURNING 1), updated AS (");
        UpdateAnswers::write(&self.updated, &mut out)?;
        out.push_sql(" RETURNING 1), inserted AS (");
        InsertAnswers::write(&self.inserted, &mut out)?;
        out.push_sql("), audited AS (");
        InsertAudit::write(&self.audit, &mut out)?;
        out.push_sql("), moved AS (UPDATE data_version SET shown = shown + 1 WHERE id = 1 AND ");
        out.push_bind_param::<Bool, bool>(&self.moves_shown)?;
        out.push_sql(
            " RETURNING version, shown, accounts) \
             SELECT (SELECT count(*) FROM forms), (SELECT count(*) FROM updated), \
             m.version, m.shown, m.accounts FROM (\
             SELECT version, shown, accounts FROM moved UNION ALL \
             SELECT version, shown, accounts FROM data_version WHERE id = 1 AND NOT ",
        );
        out.push_bind_param::<Bool, bool>(&self.moves_shown)?;
        out.push_sql(") AS m");
        Ok(())
    }
}

impl diesel::query_builder::Query for WriteGroup<'_> {
    type SqlType = (BigInt, BigInt, BigInt, BigInt, BigInt);
}

impl RunQueryDsl<PgConnection> for WriteGroup<'_> {}
