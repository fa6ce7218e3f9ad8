//! On Linux a customer's console window is WebKitGTK's: the customer's page loses Tauri's
//! scripts and IPC bridge before it loads, a pinned customer's certificate is allowed for
//! exactly its host in the window's own web context, and a band above the page names the
//! customer.
//!
//! Must never allow a certificate other than the one the customer's pin accepted, and never
//! load the page with Tauri's scripts still in it.

use mssp_core::console::CustomerConsole;
use mssp_core::model::CustomerId;
use tauri::{Runtime, Url, WebviewWindow};

/// Colours of the band that names a customer's window, picked by its id.
const BAND_COLOURS: [&str; 10] = [
    "#1f6feb", "#8250df", "#bf3989", "#cf222e", "#bc4c00", "#9a6700", "#1a7f37", "#0a7e8c",
    "#57606a", "#6639ba",
];

/// Loads the sign-in URL into the window.
pub(super) fn load<R: Runtime>(
    window: &WebviewWindow<R>,
    signed: &CustomerConsole,
) -> tauri::Result<()> {
    use webkit2gtk::glib::object::Cast;
    use webkit2gtk::{UserContentManagerExt, WebContextExt, WebViewExt, gio};

    let url = signed.url.expose().to_owned();
    let host = Url::parse(&signed.target.origin)
        .ok()
        .and_then(|u| u.host_str().map(|h| h.trim_matches(['[', ']']).to_owned()))
        .unwrap_or_default();
    let pinned = signed.target.pin.is_some();
    let certificate = signed.verified_certificate.clone();
    let (name, colour) = (signed.target.name.clone(), colour_of(signed.target.customer_id));
    let origin = signed.target.origin.clone();
    window.with_webview(move |platform| {
        let view = platform.inner();
        // The customer's page gets neither Tauri's scripts (and so never the invoke key) nor
        // the message handler they talk through.
        if let Some(content) = view.user_content_manager() {
            content.remove_all_scripts();
            content.unregister_script_message_handler("ipc");
        }
        if pinned {
            // Exactly the certificate this customer's pin accepted, on this host, in this
            // window's own context; anything else still fails.
            let allowed = certificate.as_deref().map(pem).and_then(|pem| {
                gio::TlsCertificate::from_pem(&pem).ok()
            });
            match (allowed, view.context()) {
                (Some(cert), Some(context)) => context.allow_tls_certificate_for_host(&cert, &host),
                _ => {
                    tracing::warn!(%origin, "no verified certificate to allow; not loading");
                    return;
                }
            }
        }
        view.connect_load_failed_with_tls_errors(move |_, _, _, errors| {
            tracing::warn!(%origin, ?errors, "the customer's console presented a certificate the window refused");
            false
        });
        band(view.upcast_ref(), &name, colour);
        view.load_uri(&url);
    })
}

/// A coloured band with the customer's name above the page, in the window's own GTK
/// container (the page cannot reach or restyle it).
fn band(view: &gtk::Widget, name: &str, colour: &str) {
    use gtk::prelude::*;

    let Some(container) = view.parent().and_then(|p| p.downcast::<gtk::Box>().ok()) else {
        return;
    };
    let strip = gtk::Box::new(gtk::Orientation::Horizontal, 0);
    let text = gtk::Label::new(Some(&format!("{name} — customer's Log360 console")));
    text.set_xalign(0.0);
    strip.pack_start(&text, true, true, 0);
    let css = gtk::CssProvider::new();
    let style = format!(
        "box {{ background-color: {colour}; }} label {{ color: #ffffff; font-weight: bold; \
         padding: 6px 12px; }}"
    );
    if css.load_from_data(style.as_bytes()).is_ok() {
        let priority = gtk::STYLE_PROVIDER_PRIORITY_APPLICATION;
        strip.style_context().add_provider(&css, priority);
        text.style_context().add_provider(&css, priority);
    }
    container.pack_start(&strip, false, false, 0);
    container.reorder_child(&strip, 0);
    strip.show_all();
}

/// A DER certificate as PEM, for GIO.
fn pem(der: &[u8]) -> String {
    let b64 = webkit2gtk::glib::base64_encode(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

/// The band colour of a customer (stable: picked by its id).
fn colour_of(id: CustomerId) -> &'static str {
    let sum =
        id.to_string().bytes().fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    BAND_COLOURS[sum as usize % BAND_COLOURS.len()]
}
