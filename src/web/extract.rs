//! Extractors for what every handler would otherwise repeat: the signed-in admin and their
//! KKR ([`Admin`]), a form whose CSRF token is checked before the handler sees it
//! ([`CsrfForm`]), and the bundle a page renders with: state, session and user ([`Page`],
//! [`OpenPage`]), or the same for an admin of a KKR ([`AdminPage`]). A page renders one
//! `#[derive(Serialize)]` model from `crate::views` with [`Page::render`].
//!
//! Extractors run in the order of the handler's arguments, so a handler that takes
//! `SignedIn`/`Admin` before `CsrfForm` sends an anonymous visitor to sign-in before it looks
//! at the token, as the handlers did by hand.

use std::future::Future;
use std::pin::Pin;

use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tera::Context;

use super::error::AppError;
use super::infra::templates::base_context;
use super::session::{app_state, verify_csrf, MaybeSignedIn, SignedIn};
use super::AppState;
use crate::domain::{Role, User};

type BoxedFuture<T, E> = Pin<Box<dyn Future<Output = Result<T, E>>>>;

/// The signed-in admin of a KKR; anyone else signed in is refused (403), an anonymous visitor
/// is sent to sign-in.
#[derive(Debug, Clone)]
pub struct Admin {
    pub user: User,
    /// The KKR the admin runs.
    pub kkr_id: i32,
}

impl Admin {
    /// The admin's KKR when `user` is an admin of one; 403 otherwise.
    pub fn of(user: User) -> Result<Admin, AppError> {
        match (user.role, user.kkr_id) {
            (Role::Admin, Some(kkr_id)) => Ok(Admin { user, kkr_id }),
            _ => Err(AppError::Forbidden),
        }
    }

    /// Refuses (403) a thing of another KKR than the admin's.
    pub fn owns(&self, kkr_id: i32) -> Result<(), AppError> {
        if kkr_id == self.kkr_id {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

impl FromRequest for Admin {
    type Error = AppError;
    type Future = BoxedFuture<Self, AppError>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let signed_in = SignedIn::from_request(req, payload);
        Box::pin(async move { Admin::of(signed_in.await?.0) })
    }
}

/// A form that carries the session's CSRF token in its `csrf_token` field.
pub trait CsrfProtected {
    fn csrf_token(&self) -> Option<&str>;
}

/// Implements [`CsrfProtected`] for form structs with a `csrf_token: Option<String>` field.
#[macro_export]
macro_rules! csrf_protected {
    ($($form:ty),+ $(,)?) => {
        $(impl $crate::web::extract::CsrfProtected for $form {
            fn csrf_token(&self) -> Option<&str> {
                self.csrf_token.as_deref()
            }
        })+
    };
}

/// A url-encoded form whose CSRF token matched the session's; a missing or wrong token is
/// refused (403) before the handler runs. Malformed forms are refused as by `web::Form`.
#[derive(Debug)]
pub struct CsrfForm<T>(pub T);

impl<T> CsrfForm<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for CsrfForm<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + CsrfProtected + 'static> FromRequest for CsrfForm<T> {
    type Error = actix_web::Error;
    type Future = BoxedFuture<Self, actix_web::Error>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let form = web::Form::<T>::from_request(req, payload);
        let session = req.get_session();
        Box::pin(async move {
            let form = form.await?.into_inner();
            verify_csrf(&session, form.csrf_token())?;
            Ok(CsrfForm(form))
        })
    }
}

/// What a page renders with: the state (templates), the session (its CSRF token) and the
/// signed-in user shown in the header. Taken as an extractor by handlers that need a signed-in
/// user; [`Page::user`] is that user.
pub struct Page {
    pub state: web::Data<AppState>,
    pub session: Session,
    pub user: User,
}

impl Page {
    pub fn user(&self) -> &User {
        &self.user
    }

    /// Renders `template` from `model` (a page's view model) with the shared page fields.
    pub fn render<M: Serialize>(
        &self,
        template: &str,
        model: &M,
    ) -> Result<HttpResponse, AppError> {
        self.render_status(StatusCode::OK, template, model)
    }

    /// Like [`Page::render`], with another status (a refused form is shown again with 422).
    pub fn render_status<M: Serialize>(
        &self,
        status: StatusCode,
        template: &str,
        model: &M,
    ) -> Result<HttpResponse, AppError> {
        respond(
            &self.state,
            &self.session,
            Some(&self.user),
            status,
            template,
            model,
        )
    }
}

impl FromRequest for Page {
    type Error = AppError;
    type Future = BoxedFuture<Self, AppError>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let signed_in = SignedIn::from_request(req, payload);
        let session = req.get_session();
        let state = app_state(req);
        Box::pin(async move {
            let SignedIn(user) = signed_in.await?;
            let state = state?;
            Ok(Page {
                state,
                session,
                user,
            })
        })
    }
}

/// A [`Page`] of the admin of a KKR: anyone else signed in is refused (403), an anonymous
/// visitor is sent to sign-in. It reads the signed-in user once for both.
pub struct AdminPage {
    pub page: Page,
    pub admin: Admin,
}

impl AdminPage {
    /// The KKR the admin runs.
    pub fn kkr_id(&self) -> i32 {
        self.admin.kkr_id
    }

    /// Refuses (403) a thing of another KKR than the admin's.
    pub fn owns(&self, kkr_id: i32) -> Result<(), AppError> {
        self.admin.owns(kkr_id)
    }
}

impl std::ops::Deref for AdminPage {
    type Target = Page;

    fn deref(&self) -> &Page {
        &self.page
    }
}

impl FromRequest for AdminPage {
    type Error = AppError;
    type Future = BoxedFuture<Self, AppError>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let page = Page::from_request(req, payload);
        Box::pin(async move {
            let page = page.await?;
            let admin = Admin::of(page.user.clone())?;
            Ok(AdminPage { page, admin })
        })
    }
}

/// Like [`Page`] for pages anyone may see; the header shows the user when one is signed in.
pub struct OpenPage {
    pub state: web::Data<AppState>,
    pub session: Session,
    pub user: Option<User>,
}

impl OpenPage {
    pub fn render<M: Serialize>(
        &self,
        template: &str,
        model: &M,
    ) -> Result<HttpResponse, AppError> {
        self.render_status(StatusCode::OK, template, model)
    }

    pub fn render_status<M: Serialize>(
        &self,
        status: StatusCode,
        template: &str,
        model: &M,
    ) -> Result<HttpResponse, AppError> {
        respond(
            &self.state,
            &self.session,
            self.user.as_ref(),
            status,
            template,
            model,
        )
    }
}

impl FromRequest for OpenPage {
    type Error = AppError;
    type Future = BoxedFuture<Self, AppError>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let maybe = MaybeSignedIn::from_request(req, payload);
        let session = req.get_session();
        let state = app_state(req);
        Box::pin(async move {
            let MaybeSignedIn(user) = maybe.await?;
            let state = state?;
            Ok(OpenPage {
                state,
                session,
                user,
            })
        })
    }
}

/// Renders `template` from a page model with the shared page fields: what [`Page`] and
/// [`OpenPage`] both do.
fn respond<M: Serialize>(
    state: &AppState,
    session: &Session,
    user: Option<&User>,
    status: StatusCode,
    template: &str,
    model: &M,
) -> Result<HttpResponse, AppError> {
    let context = page_context(session, user, model)?;
    state.pages.respond(status, template, &context)
}

/// A page's context: its model's fields, then the shared ones (CSRF token, user).
pub fn page_context<M: Serialize>(
    session: &Session,
    user: Option<&User>,
    model: &M,
) -> Result<Context, AppError> {
    let mut context = Context::from_serialize(model)
        .map_err(|e| AppError::Internal(format!("a page model did not serialise: {e}")))?;
    context.extend(base_context(session, user)?);
    Ok(context)
}
