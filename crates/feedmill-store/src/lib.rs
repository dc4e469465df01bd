//! placeholder
mod attribution;
mod click;
mod click_import;
mod conversion;
mod earnings;
mod error;
mod postback;
mod price_batch;
mod price_history;
mod sqlite;
mod store;
mod stored;
mod transaction;

pub use attribution::{ATTRIBUTION_WINDOW_DAYS, Attribution, AttributionMethod, UnattributedSale};
pub use click::{Click, ClickCount, ClickId, GroupBy, NUM_SUB_ID_SLOTS, TimeRange};
pub use click_import::{ImportReport, MalformedLine};
pub use conversion::{Conversion, ConversionInput, ConversionReceipt, ConversionStatus, StatusChange};
pub use earnings::{CommissionByStatus, EarningsQuery, EarningsRow};
pub use error::{StoreError, StoreResult};
pub use postback::{PostbackError, PostbackRule, ValidPostback, validate_postback};
pub use price_batch::{KnownState, PriceBatch};
pub use price_history::{
    DEFAULT_RETENTION_DAYS, DailyLow, LOWEST_PRICE_WINDOW_DAYS, MerchantLow, PointKind,
    PriceBatchStats, PriceObservation, PricePoint, PriceRejection, ThirtyDayLow, thirty_day_low,
};
pub use sqlite::SqliteStore;
pub use store::{
    ClickStore, ConversionStore, EarningsStore, Migrations, PriceHistoryStore, Store,
    TransactionStore,
};
pub use transaction::{NetworkTransaction, TransactionInput, TransactionReceipt};

#[cfg(test)]
mod suite;
