//! TLS, one way for the whole process: rustls with the ring provider (installed once, so the
//! build needs no other crypto library), the platform's root certificates plus any the user
//! names (`--ca-cert`, the `ca_cert` setting, `CUTOVER_CA_CERT`), read at the first TLS
//! handshake, in one client configuration used alike by every HTTP and WebSocket client (the
//! dashboard, the CLI, the simulator, metric sources, webhooks); and the server's certificate
//! and key for `cutover serve --tls-cert/--tls-key`.

use std::path::Path;
use std::sync::{Arc, Mutex, Once, OnceLock};

use rustls::DigitallySignedStruct;
use rustls::SignatureScheme;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};

static PROVIDER: Once = Once::new();
static EXTRA_ROOTS: Mutex<Vec<CertificateDer<'static>>> = Mutex::new(Vec::new());
static CLIENT: Mutex<Option<Arc<rustls::ClientConfig>>> = Mutex::new(None);

/// Installs ring as the process's crypto provider (once; later calls do nothing).
pub fn install() {
    PROVIDER.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// Trusts the certificates in the PEM file `path` too, beside the platform's roots.
pub fn trust_also(path: &Path) -> Result<(), String> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
        .map_err(|e| format!("{}: cannot read CA certificates: {e}", path.display()))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{}: not a PEM certificate: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!("{}: no certificate in it", path.display()));
    }
    EXTRA_ROOTS.lock().expect("roots").extend(certs);
    *CLIENT.lock().expect("client config") = None;
    Ok(())
}

fn extra_roots() -> Vec<CertificateDer<'static>> {
    EXTRA_ROOTS.lock().expect("roots").clone()
}

/// An HTTP client builder that trusts what the process trusts (the same configuration as
/// the WebSocket clients', so no root certificate is read before the first `https://` call).
pub fn http_client() -> reqwest::ClientBuilder {
    let config = client_config().expect("ring supports TLS 1.2 and 1.3");
    reqwest::Client::builder().tls_backend_preconfigured(rustls::ClientConfig::clone(&config))
}

/// The rustls client configuration, for HTTP and for WebSocket connections over `wss://`.
pub fn client_config() -> Result<Arc<rustls::ClientConfig>, String> {
    install();
    let mut cached = CLIENT.lock().expect("client config");
    if let Some(c) = cached.as_ref() {
        return Ok(c.clone());
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = LazyVerifier {
        provider: provider.clone(),
        extra: extra_roots(),
        loaded: OnceLock::new(),
    };
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let config = Arc::new(config);
    *cached = Some(config.clone());
    Ok(config)
}

/// The platform's verifier with the extra roots, loaded at the first TLS handshake rather
/// than when a client is made: a process that only speaks `http://` (a dashboard on
/// loopback) never reads the certificate store nor keeps ~150 KB of trust anchors.
#[derive(Debug)]
struct LazyVerifier {
    provider: Arc<rustls::crypto::CryptoProvider>,
    extra: Vec<CertificateDer<'static>>,
    loaded: OnceLock<Result<rustls_platform_verifier::Verifier, String>>,
}

impl LazyVerifier {
    fn verifier(&self) -> Result<&rustls_platform_verifier::Verifier, rustls::Error> {
        self.loaded
            .get_or_init(|| {
                rustls_platform_verifier::Verifier::new_with_extra_roots(
                    self.extra.clone(),
                    self.provider.clone(),
                )
                .map_err(|e| format!("cannot load the platform's root certificates: {e}"))
            })
            .as_ref()
            .map_err(|e| rustls::Error::General(e.clone()))
    }
}

impl ServerCertVerifier for LazyVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.verifier()?.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        )
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.verifier()?.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.verifier()?.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// The server's TLS configuration from a PEM certificate chain and its private key.
pub fn server_config(cert: &Path, key: &Path) -> Result<Arc<rustls::ServerConfig>, String> {
    install();
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| format!("--tls-cert {}: {e}", cert.display()))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("--tls-cert {}: not a PEM certificate: {e}", cert.display()))?;
    if chain.is_empty() {
        return Err(format!(
            "--tls-cert {}: no certificate in it",
            cert.display()
        ));
    }
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| {
        format!(
            "--tls-key {}: no PEM private key in it ({e})",
            key.display()
        )
    })?;
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| e.to_string())?
    .with_no_client_auth()
    .with_single_cert(chain, key)
    .map_err(|e| match e {
        rustls::Error::InconsistentKeys(_) => {
            "--tls-key does not belong to --tls-cert (the key does not match the certificate)"
                .to_owned()
        }
        other => format!("--tls-cert/--tls-key: {other}"),
    })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
