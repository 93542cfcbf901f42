from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "stint.billing"
    label = "billing"
    verbose_name = "Billing"

    def ready(self) -> None:
        from stint.billing import ticks  # noqa: F401  (registers the billing tick with the worker)
        from stint.core.outbox import register_attachment_renderer

        def invoice_pdf(pk: int) -> tuple[str, bytes, str]:
            from stint.billing.pdf import invoice_pdf_attachment

            return invoice_pdf_attachment(pk)

        def credit_note_pdf(pk: int) -> tuple[str, bytes, str]:
            from stint.billing.pdf import credit_note_pdf_attachment

            return credit_note_pdf_attachment(pk)

        # WeasyPrint is imported only when a document email is sent, not by every process at start-up.
        register_attachment_renderer("invoice_pdf", invoice_pdf)
        register_attachment_renderer("credit_note_pdf", credit_note_pdf)
