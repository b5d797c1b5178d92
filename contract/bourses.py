"""What the bourses service and the gateway share: the household situations
the form offers (the values cross the wire, the labels are shown on both
sides: the form and the PDFs), and the errors that cross the wire, each
saying what the caller can do."""
from nameko.exceptions import deserialize_to_instance

from contract.errors import NotOpen, ServiceError

# A couple not married nor pacsé files two tax notices, whose reference
# incomes are added (domain § 2).
SITUATIONS = {
    "personne_seule": "Personne seule",
    "maries_pacses": "Couple marié ou pacsé (un avis d'impôt)",
    "vie_maritale": "Couple en vie maritale (deux avis d'impôt)",
}


@deserialize_to_instance
class BoursesClosed(NotOpen):
    """No campaign is open for this child's kind of establishment: the page
    says when it closed (or opens) and to contact the school."""


@deserialize_to_instance
class FiscalUnavailable(ServiceError):
    """The reference tax income cannot be fetched from the tax administration
    here: the family types it from its notice."""
