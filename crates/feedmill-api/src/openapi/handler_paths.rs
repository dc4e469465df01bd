//! The operations documented on their handlers: each handler's `#[utoipa::path]` gives its
//! path (the `route_paths` constant the router serves it under), summary, parameters (the
//! types of `handler_params`, made from the tables that validate the requests), request body
//! and answers. Added to the document here, one line per handler; a test
//! (`route_tests`) holds the document's operations to the router's.

use crate::handlers::{
    alerts, clickout, earnings, health, history, keys, links, matches, offers, operator, postback,
    search,
};
use crate::web;
use utoipa::Path;
use utoipa::openapi::OpenApi;

/// Every operation documented on its handler.
pub(super) fn add(doc: &mut OpenApi) {
    add_one::<search::__path_search>(doc);
    add_one::<search::__path_suggest>(doc);
    add_one::<offers::__path_offer>(doc);
    add_one::<offers::__path_product>(doc);
    add_one::<history::__path_offer_history>(doc);
    add_one::<history::__path_product_history>(doc);
    add_one::<links::__path_generate_link>(doc);
    add_one::<links::__path_generate_batch>(doc);
    add_one::<clickout::__path_click_out>(doc);
    add_one::<health::__path_sources>(doc);
    add_one::<earnings::__path_earnings>(doc);
    add_one::<earnings::__path_unattributed>(doc);
    add_one::<health::__path_health>(doc);
    add_one::<health::__path_metrics>(doc);
    add_one::<health::__path_openapi_json>(doc);
    add_one::<web::__path_page>(doc);
    add_one::<web::__path_asset>(doc);
    add_one::<alerts::__path_create_alert>(doc);
    add_one::<alerts::__path_alert>(doc);
    add_one::<alerts::__path_delete_alert>(doc);
    add_one::<keys::__path_list_keys>(doc);
    add_one::<keys::__path_create_key>(doc);
    add_one::<keys::__path_delete_key>(doc);
    add_one::<keys::__path_create_scoped_key>(doc);
    add_one::<operator::__path_refresh_source>(doc);
    add_one::<operator::__path_pause_source>(doc);
    add_one::<operator::__path_resume_source>(doc);
    add_one::<operator::__path_job>(doc);
    add_one::<operator::__path_reload>(doc);
    add_one::<matches::__path_matches>(doc);
    add_one::<matches::__path_pin_offer>(doc);
    add_one::<matches::__path_unpin_offer>(doc);
    add_one::<postback::PostbackQueryDoc>(doc);
    add_one::<postback::PostbackBodyDoc>(doc);
}

/// `P`'s operation under its path and methods. The handler's name is not published as an
/// operation id (one handler may serve two methods), and the empty description the attribute
/// sets (so that the handler's own doc comment stays out of the document) is left out.
fn add_one<P: Path>(doc: &mut OpenApi) {
    let mut operation = P::operation();
    operation.operation_id = None;
    if operation.description.as_deref() == Some("") {
        operation.description = None;
    }
    doc.paths
        .add_path_operation(P::path(), P::methods(), operation);
}
