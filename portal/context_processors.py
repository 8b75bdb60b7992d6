from profiles.access import employee_of, is_hr, is_manager


def viewer(request):
    """What the navigation needs to know about the signed-in person."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "viewer_employee": employee_of(user),
        "viewer_is_hr": is_hr(user),
        "viewer_is_manager": is_manager(user),
    }
