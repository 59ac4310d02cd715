"""The Wagtail admin of an app's deadline extensions (lms.extensions): the add, edit and delete
views save and withdraw through the app's own services, whose rules are the only ones — what the
service refuses comes back as the form's errors, the save rolled back with the view's
transaction."""

from collections.abc import Callable
from typing import NamedTuple

from django.core.exceptions import ValidationError
from wagtail.admin.views.generic import CreateView, DeleteView, EditView


class ExtensionViews(NamedTuple):
    add: type[CreateView]
    edit: type[EditView]
    delete: type[DeleteView]


def extension_admin_views(*, grant: Callable, withdraw: Callable) -> ExtensionViews:
    """`grant(data=cleaned_data, granted_by=user, extension=instance_or_None)` saves an extension;
    `withdraw(extension=instance)` deletes one."""

    class ThroughService:
        def form_valid(self, form):
            try:
                return super().form_valid(form)
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    for message in messages:
                        form.add_error(field if field in form.fields else None, message)
                self.produced_error_code = "validation_error"
                self.produced_error_message = self.get_error_message()
                return self.form_invalid(form)

        def save_instance(self):
            instance = self.form.instance
            return grant(
                data=self.form.cleaned_data, granted_by=self.request.user, extension=instance if instance.pk else None
            )

    class Add(ThroughService, CreateView):
        pass

    class Edit(ThroughService, EditView):
        pass

    class Delete(DeleteView):
        def delete_action(self):
            withdraw(extension=self.object)

    return ExtensionViews(Add, Edit, Delete)
