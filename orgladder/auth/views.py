from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user

from ..access import Permission, public, requires
from ..api.errors import is_api_request
from ..errors import DomainError
from ..extensions import db, login_manager
from ..web import attach_error, render_form
from . import devices, service
from .forms import LoginForm, PasswordChangeForm
from .redirects import safe_next

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(token: str):
    return service.load_session(token)


@bp.before_app_request
def keep_session_alive() -> None:
    """Each request of a signed-in person pushes their inactivity timeout back."""
    if request.endpoint == "static" or not current_user.is_authenticated:
        return
    if service.keep_alive(current_user):
        db.session.commit()  # nothing else is pending before the view runs


# What a person whose password HR set may reach before choosing their own.
OPEN_BEFORE_PASSWORD_CHANGE = frozenset({"auth.change_password", "auth.logout", "static"})


@bp.before_app_request
def require_own_password():
    """Someone else chose this person's password: every page sends them to change it first.
    (The API holds them off in ``api.auth``; they can have no token before the change.)"""
    if (request.endpoint is None or request.endpoint in OPEN_BEFORE_PASSWORD_CHANGE
            or is_api_request() or not current_user.is_authenticated
            or not current_user.must_change_password):
        return None
    flash("Choose your own password to continue: the one you signed in with was set for you.",
          "info")
    return redirect(url_for("auth.change_password"))


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        device_cookie = request.cookies.get(current_app.config["DEVICE_COOKIE_NAME"])
        try:
            person = service.authenticate(form.email.data, form.password.data,
                                          address=request.remote_addr or "",
                                          device_cookie=device_cookie)
        except service.SignInRefused as refused:
            db.session.commit()  # keep the count and the audit of the refusal
            attach_error(form, refused)
            page, status = render_form("auth/login.html", form)
            if refused.wait_seconds is None:
                return page, status
            return page, 429, {"Retry-After": str(refused.wait_seconds)}
        session.clear()  # a fresh session on sign-in: nothing survives from before
        service.start_session(person, request.user_agent.string or "")
        login_user(person)
        db.session.commit()
        if person.must_change_password:
            response = redirect(url_for("auth.change_password"))
        else:
            response = redirect(safe_next(request.args.get("next")) or url_for("main.home"))
        devices.remember(response, person.email)
        return response
    return render_form("auth/login.html", form)


@bp.post("/logout")
@requires(Permission.VIEW_SELF)
def logout():
    service.end_session(current_user)
    db.session.commit()
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@requires(Permission.VIEW_SELF)
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            service.change_password(current_user, form.current_password.data,
                                    form.new_password.data)
        except DomainError as error:
            attach_error(form, error)
        else:
            db.session.commit()
            flash("Your password is changed. Your other sessions are signed out.", "success")
            return redirect(url_for("main.home"))
    return render_form("auth/password.html", form)
