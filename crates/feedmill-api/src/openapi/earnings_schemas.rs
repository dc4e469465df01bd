//! Schemas of the earnings reports' JSON, written by `feedmill-store`'s types (which do not
//! depend on utoipa). Documentation only; `super::tests` checks their property names against
//! real answers.

#![allow(dead_code)]

use serde::Serialize;
use utoipa::ToSchema;

/// `GET /earnings`: one row per group and currency over `[from, to)`.
#[derive(Serialize, ToSchema)]
pub struct EarningsReport {
    /// Start, inclusive (RFC 3339, UTC).
    from: String,
    /// End, exclusive (RFC 3339, UTC).
    to: String,
    /// day, source, merchant, offer or sub_id.
    group_by: String,
    rows: Vec<EarningsRow>,
}

/// A group's clicks and sales in one currency. A group with sales in several currencies has a
/// row per currency, each with the group's clicks; a group without sales one row with
/// `currency: null`. Money is exact decimal strings.
#[derive(Serialize, ToSchema)]
pub struct EarningsRow {
    /// The group (`YYYY-MM-DD` for day); `null` for sales credited to no click (listed by
    /// `/earnings/unattributed`) and clicks without that attribute.
    key: Option<String>,
    /// ISO-4217; `null` for a group without sales.
    currency: Option<String>,
    num_clicks: u64,
    num_conversions: u64,
    sale_amount: String,
    commission: CommissionByStatus,
    /// Conversions ÷ clicks, 4 decimals; `null` without clicks.
    conversion_rate: Option<String>,
    /// (Pending + approved commission) ÷ clicks, 4 decimals; `null` without clicks or sales.
    /// Read it with `num_clicks`: a handful of clicks makes a noisy EPC.
    epc: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CommissionByStatus {
    pending: String,
    approved: String,
    rejected: String,
    reversed: String,
}

/// `GET /earnings/unattributed`.
#[derive(Serialize, ToSchema)]
pub struct UnattributedSales {
    from: String,
    to: String,
    num_sales: u64,
    sales: Vec<UnattributedSale>,
}

/// A conversion (`kind: conversion`, with `conversion_id`, `program_id`, `order_id`) or a
/// network transaction (`kind: transaction`, with `network`, `transaction_id`) that no click
/// could be credited with.
#[derive(Serialize, ToSchema)]
pub struct UnattributedSale {
    /// conversion or transaction.
    kind: String,
    conversion_id: Option<String>,
    program_id: Option<String>,
    order_id: Option<String>,
    network: Option<String>,
    transaction_id: Option<String>,
}
