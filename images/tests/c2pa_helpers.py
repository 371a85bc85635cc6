"""Content-credentialed test pictures, signed for real with a throwaway certificate chain.

Any test can make one::

    from images.tests.c2pa_helpers import signed_jpeg, trust_test_ca

    data = signed_jpeg()                      # bytes of a small C2PA-signed JPEG
    data = signed_jpeg(author="Jane Doe", actions=["c2pa.created", "c2pa.color_adjustments"])
    with trust_test_ca():                     # optional: the test CA counts as trusted
        ...

The chain (a self-signed CA and an end-entity certificate with the key usages C2PA
requires, ES256 on P-256) is made once per test process. Nothing here touches the
network: no timestamp authority, no remote manifest.
"""

import datetime
import functools
import io
from dataclasses import dataclass

import c2pa
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.test import override_settings
from PIL import Image

GENERATOR = "newsroom-tests"
AUTHOR = "Test Photographer"
WHEN = "2026-03-04T10:30:00Z"
DIGITAL_CAPTURE = "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"
AI_GENERATED = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"


@dataclass(frozen=True)
class SigningChain:
    ca_pem: str  # the root, to trust in NEWSROOM_C2PA_TRUST_ANCHORS
    chain_pem: str  # end-entity certificate then the CA, as c2pa wants them
    key_pem: str  # the end entity's private key (PKCS#8)


def _name(common_name):
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Newsroom Tests"),
        ]
    )


def _key_usage(*, sign, certs):
    return x509.KeyUsage(
        digital_signature=sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=certs,
        crl_sign=certs,
        encipher_only=False,
        decipher_only=False,
    )


@functools.cache
def signing_chain() -> SigningChain:
    # c2pa checks validity against the real clock (not a frozen one): a wide window.
    start = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=1)
    end = start + datetime.timedelta(days=3650)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("Newsroom Test CA"))
        .issuer_name(_name("Newsroom Test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(sign=False, certs=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    # C2PA refuses self-signed signing certificates and wants a signing EKU
    # (email protection is one it accepts) with digitalSignature.
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("Test Signer"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(sign=True, certs=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )

    def pem(certificate):
        return certificate.public_bytes(serialization.Encoding.PEM).decode()

    return SigningChain(
        ca_pem=pem(ca),
        chain_pem=pem(cert) + pem(ca),
        key_pem=key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode(),
    )


def trust_test_ca():
    """Settings under which pictures signed here read as "Trusted"."""
    return override_settings(NEWSROOM_C2PA_TRUST_ANCHORS=signing_chain().ca_pem)


def plain_jpeg(size=(64, 48), colour=(200, 40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG")
    return buffer.getvalue()


def manifest_definition(
    *,
    generator=GENERATOR,
    author=AUTHOR,
    actions=("c2pa.created", "c2pa.edited", "c2pa.cropped"),
    when=WHEN,
    source_type=DIGITAL_CAPTURE,
    title="test.jpg",
) -> dict:
    listed = []
    for name in actions:
        action = {"action": name}
        if name == "c2pa.created":
            action["digitalSourceType"] = source_type
            if when:
                action["when"] = when
        listed.append(action)
    assertions = [{"label": "c2pa.actions", "data": {"actions": listed}}]
    if author:
        assertions.append(
            {
                "label": "stds.schema-org.CreativeWork",
                "data": {
                    "@context": "https://schema.org",
                    "@type": "CreativeWork",
                    "author": [{"@type": "Person", "name": author}],
                },
            }
        )
    return {
        "claim_generator_info": [{"name": generator, "version": "1.0"}],
        "title": title,
        "assertions": assertions,
    }


def sign(data: bytes, mime="image/jpeg", *, remote_url=None, **manifest) -> bytes:
    """``data`` with a C2PA manifest embedded, signed by the test chain.

    ``manifest`` takes ``manifest_definition``'s keywords. With ``remote_url`` the manifest
    is not embedded: the file only points at that address (for testing that nothing is
    fetched).
    """
    chain = signing_chain()
    settings = {
        "verify": {"remote_manifest_fetch": False, "ocsp_fetch": False},
        "builder": {"thumbnail": {"enabled": False}},
    }
    info = c2pa.C2paSignerInfo(
        c2pa.C2paSigningAlg.ES256, chain.chain_pem.encode(), chain.key_pem.encode(), None
    )
    with (
        c2pa.Context.from_dict(settings) as context,
        c2pa.Signer.from_info(info) as signer,
        c2pa.Builder(manifest_definition(**manifest), context=context) as builder,
    ):
        if remote_url:
            builder.set_no_embed()
            builder.set_remote_url(remote_url)
        out = io.BytesIO()
        builder.sign(signer, mime, io.BytesIO(data), out)
    return out.getvalue()


def signed_jpeg(**manifest) -> bytes:
    """A small JPEG (made with Pillow) carrying content credentials."""
    return sign(plain_jpeg(), "image/jpeg", **manifest)
