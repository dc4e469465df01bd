//! The sales rollup's schema: `sale_day_sums` holds, per UTC day of the sale, dimension
//! (`day`, `source`, `merchant`, `offer`, `sub_id` of the credited click), key and currency,
//! the number of sales, their amount and their commission by status, in stored integers.
//! Triggers on `conversions` and `network_transactions` keep it exact in the transaction of
//! every write: an insert adds the sale, an update takes the old state out and puts the new
//! one in (a status change, new amounts, a later attribution), a delete takes it out. The
//! migration fills it from the sales already stored. A sale credited to no click (or a click
//! without that attribute) is `has_key = 0`. (The SQL is written out, not generated at run
//! time, so the migration is a constant like every other.)

/// The table, its six triggers and its backfill (a migration of its own).
pub(crate) const SCHEMA_SALE_ROLLUP: &str = "
CREATE TABLE sale_day_sums (
    dimension    TEXT NOT NULL,
    day          INTEGER NOT NULL,
    has_key      INTEGER NOT NULL,
    key          TEXT NOT NULL,
    currency     TEXT NOT NULL,
    num_sales    INTEGER NOT NULL,
    sale_amount  INTEGER NOT NULL,
    pending      INTEGER NOT NULL,
    approved     INTEGER NOT NULL,
    rejected     INTEGER NOT NULL,
    reversed     INTEGER NOT NULL,
    PRIMARY KEY (dimension, day, has_key, key, currency)
) WITHOUT ROWID;

CREATE TRIGGER conversion_sales_rolled_up AFTER INSERT ON conversions BEGIN
    INSERT INTO sale_day_sums
        SELECT k.dimension, NEW.sale_time_us / 86400000000,
               CASE k.dimension WHEN 'day' THEN 1 WHEN 'source' THEN c.source IS NOT NULL
                    WHEN 'merchant' THEN c.merchant IS NOT NULL WHEN 'offer' THEN c.offer_id IS NOT NULL
                    ELSE c.sub_id IS NOT NULL END,
               coalesce(CASE k.dimension WHEN 'source' THEN c.source WHEN 'merchant' THEN c.merchant
                    WHEN 'offer' THEN c.offer_id WHEN 'sub_id' THEN c.sub_id END, ''),
               NEW.currency, 1, NEW.sale_amount,
               CASE NEW.status WHEN 'pending' THEN coalesce(NEW.commission_amount, 0) ELSE 0 END,
               CASE NEW.status WHEN 'approved' THEN coalesce(NEW.commission_amount, 0) ELSE 0 END,
               CASE NEW.status WHEN 'rejected' THEN coalesce(NEW.commission_amount, 0) ELSE 0 END,
               CASE NEW.status WHEN 'reversed' THEN coalesce(NEW.commission_amount, 0) ELSE 0 END
          FROM (SELECT 'day' AS dimension UNION ALL SELECT 'source' UNION ALL SELECT 'merchant'
                UNION ALL SELECT 'offer' UNION ALL SELECT 'sub_id') k
          LEFT JOIN clicks c ON c.click_id = NEW.attributed_click
         WHERE true
    ON CONFLICT DO UPDATE SET num_sales = num_sales + excluded.num_sales,
        sale_amount = sale_amount + excluded.sale_amount, pending = pending + excluded.pending,
        approved = approved + excluded.approved, rejected = rejected + excluded.rejected,
        reversed = reversed + excluded.reversed;
END;

CREATE TRIGGER conversion_sales_rerolled AFTER UPDATE ON conversions BEGIN
    INSERT INTO sale_day_sums
        SELECT k.dimension, OLD.sale_time_us / 86400000000,
               CASE k.dimension WHEN 'day' THEN 1 WHEN 'source' THEN c.source IS NOT NULL
                    WHEN 'merchant' THEN c.merchant IS NOT NULL WHEN 'offer' THEN c.offer_id IS NOT NULL
                    ELSE c.sub_id IS NOT NULL END,
               coalesce(CASE k.dimension WHEN 'source' THEN c.source WHEN 'merchant' THEN c.merchant
                    WHEN 'offer' THEN c.offer_id WHEN 'sub_id' THEN c.sub_id END, ''),
               OLD.currency, -1, -OLD.sale_amount,
               CASE OLD.status WHEN 'pending' THEN -coalesce(OLD.commission_amount, 0) ELSE 0 END,
               CASE OLD.status WHEN 'approved' THEN -coalesce(OLD.commission_amount, 0) ELSE 0 END,
               CASE OLD.status WHEN 'rejected' THEN -coalesce(OLD.commission_amount, 0) ELSE 0 END,
               CASE OLD.status WHEN 'reversed' THEN -coalesce(OLD.commission_amount, 0) ELSE 0 END
          FROM (SELECT 'day' AS dimension UNION ALL SELECT 'source' UNION ALL SELECT 'merchant'
                UNION ALL SELECT 'offer' UNION ALL SELECT 'sub_id') k
          LEFT JOIN clicks c ON c.click_id = OLD.attributed_click
         WHERE true
    ON CONFLICT DO UPDATE SET num_sales = num_sales + excluded.num_sales,
        sale_amount = sale_amount + excluded.sale_amount, pending = pending + excluded.pending,
        approved = approved + excluded.approved, rejected = rejected + excluded.rejected,
        reversed = reversed + excluded.reversed;
    INSERT INTO sale_day_sums
        SELECT k.dimension, NEW.sale_time_us / 86400000000,
               CASE k.dimension WHEN 'day' THEN 1 WHEN 'source' THEN c.source IS NOT NULL
                    WHEN 'merchant' THEN c.merchant IS NOT NULL WHEN 'offer' THEN c.offer_id IS NOT NULL
                    ELSE c.sub_id IS NOT NULL END,
               coalesce(CASE k.dimension WHEN 'source' THEN c.source WHEN 'merchant' THEN c.merchant
                    WHEN 'offer' THEN c.offer_id WHEN 'sub_id' THEN c.sub_id END, ''),
               NEW.currency, 1, NEW.sale_amount,
               CASE NEW.status WHEN 'pending' THEN coalesce(NEW.commission_amount, 0) ELSE 0 END,
               CASE NEW.status WHEN 'approved' THEN coalesce(NEW.commission_amount, 0) ELSE 0 END,
               CASE NEW.status WHEN 'rejected' THEN coalesce(NEW.commission_amount, 0) ELSE 0 END,
               CASE NEW.status WHEN 'reversed' THEN coalesce(NEW.commission_amount, 0) ELSE 0 END
          FROM (SELECT 'day' AS dimension UNION ALL SELECT 'source' UNION ALL SELECT 'merchant'
                UNION ALL SELECT 'offer' UNION ALL SELECT 'sub_id') k
          LEFT JOIN clicks c ON c.click_id = NEW.attributed_click
         WHERE true
    ON CONFLICT DO UPDATE SET num_sales = num_sales + excluded.num_sales,
        sale_amount = sale_amount + excluded.sale_amount, pending = pending + excluded.pending,
        approved = approved + excluded.approved, rejected = rejected + excluded.rejected,
        reversed = reversed + excluded.reversed;
END;

CREATE TRIGGER conversion_sales_rolled_back AFTER DELETE ON conversions BEGIN
    INSERT INTO sale_day_sums
        SELECT k.dimension, OLD.sale_time_us / 86400000000,
               CASE k.dimension WHEN 'day' THEN 1 WHEN 'source' THEN c.source IS NOT NULL
                    WHEN 'merchant' THEN c.merchant IS NOT NULL WHEN 'offer' THEN c.offer_id IS NOT NULL
                    ELSE c.sub_id IS NOT NULL END,
               coalesce(CASE k.dimension WHEN 'source' THEN c.source WHEN 'merchant' THEN c.merchant
                    WHEN 'offer' THEN c.offer_id WHEN 'sub_id' THEN c.sub_id END, ''),
               OLD.currency, -1, -OLD.sale_amount,
               CASE OLD.status WHEN 'pending' THEN -coalesce(OLD.commission_amount, 0) ELSE 0 END,
               CASE OLD.status WHEN 'approved' THEN -coalesce(OLD.commission_amount, 0) ELSE 0 END,
               CASE OLD.status WHEN 'rejected' THEN -coalesce(OLD.commission_amount, 0) ELSE 0 END,
               CASE OLD.status WHEN 'reversed' THEN -coalesce(OLD.commission_amount, 0) ELSE 0 END
          FROM (SELECT 'day' AS dimension UNION ALL SELECT 'source' UNION ALL SELECT 'merchant'
                UNION ALL SELECT 'offer' UNION ALL SELECT 'sub_id') k
          LEFT JOIN clicks c ON c.click_id = OLD.attributed_click
         WHERE true
    ON CONFLICT DO UPDATE SET num_sales = num_sales + excluded.num_sales,
        sale_amount = sale_amount + excluded.sale_amount, pending = pending + excluded.pending,
        approved = approved + excluded.approved, rejected = rejected + excluded.rejected,
        reversed = reversed + excluded.reversed;
END;

CREATE TRIGGER transaction_sales_rolled_up AFTER INSERT ON network_transactions BEGIN
    INSERT INTO sale_day_sums
        SELECT k.dimension, NEW.transaction_time_us / 86400000000,
               CASE k.dimension WHEN 'day' THEN 1 WHEN 'source' THEN c.source IS NOT NULL
                    WHEN 'merchant' THEN c.merchant IS NOT NULL WHEN 'offer' THEN c.offer_id IS NOT NULL
                    ELSE c.sub_id IS NOT NULL END,
               coalesce(CASE k.dimension WHEN 'source' THEN c.source WHEN 'merchant' THEN c.merchant
                    WHEN 'offer' THEN c.offer_id WHEN 'sub_id' THEN c.sub_id END, ''),
               NEW.currency, 1, NEW.sale_amount,
               CASE NEW.status WHEN 'pending' THEN NEW.commission_amount ELSE 0 END,
               CASE NEW.status WHEN 'approved' THEN NEW.commission_amount ELSE 0 END,
               CASE NEW.status WHEN 'rejected' THEN NEW.commission_amount ELSE 0 END,
               CASE NEW.status WHEN 'reversed' THEN NEW.commission_amount ELSE 0 END
          FROM (SELECT 'day' AS dimension UNION ALL SELECT 'source' UNION ALL SELECT 'merchant'
                UNION ALL SELECT 'offer' UNION ALL SELECT 'sub_id') k
          LEFT JOIN clicks c ON c.click_id = NEW.attributed_click
         WHERE true
    ON CONFLICT DO UPDATE SET num_sales = num_sales + excluded.num_sales,
        sale_amount = sale_amount + excluded.sale_amount, pending = pending + excluded.pending,
        approved = approved + excluded.approved, rejected = rejected + excluded.rejected,
        reversed = reversed + excluded.reversed;
END;

CREATE TRIGGER transaction_sales_rerolled AFTER UPDATE ON network_transactions BEGIN
    INSERT INTO sale_day_sums
        SELECT k.dimension, OLD.transaction_time_us / 86400000000,
               CASE k.dimension WHEN 'day' THEN 1 WHEN 'source' THEN c.source IS NOT NULL
                    WHEN 'merchant' THEN c.merchant IS NOT NULL WHEN 'offer' THEN c.offer_id IS NOT NULL
                    ELSE c.sub_id IS NOT NULL END,
               coalesce(CASE k.dimension WHEN 'source' THEN c.source WHEN 'merchant' THEN c.merchant
                    WHEN 'offer' THEN c.offer_id WHEN 'sub_id' THEN c.sub_id END, ''),
               OLD.currency, -1, -OLD.sale_amount,
               CASE OLD.status WHEN 'pending' THEN -OLD.commission_amount ELSE 0 END,
               CASE OLD.status WHEN 'approved' THEN -OLD.commission_amount ELSE 0 END,
               CASE OLD.status WHEN 'rejected' THEN -OLD.commission_amount ELSE 0 END,
               CASE OLD.status WHEN 'reversed' THEN -OLD.commission_amount ELSE 0 END
          FROM (SELECT 'day' AS dimension UNION ALL SELECT 'source' UNION ALL SELECT 'merchant'
                UNION ALL SELECT 'offer' UNION ALL SELECT 'sub_id') k
          LEFT JOIN clicks c ON c.click_id = OLD.attributed_click
         WHERE true
    ON CONFLICT DO UPDATE SET num_sales = num_sales + excluded.num_sales,
        sale_amount = sale_amount + excluded.sale_amount, pending = pending + excluded.pending,
        approved = approved + excluded.approved, rejected = rejected + excluded.rejected,
        reversed = reversed + excluded.reversed;
    INSERT INTO sale_day_sums
        SELECT k.dimension, NEW.transaction_time_us / 86400000000,
               CASE k.dimension WHEN 'day' THEN 1 WHEN 'source' THEN c.source IS NOT NULL
                    WHEN 'merchant' THEN c.merchant IS NOT NULL WHEN 'offer' THEN c.offer_id IS NOT NULL
                    ELSE c.sub_id IS NOT NULL END,
               coalesce(CASE k.dimension WHEN 'source' THEN c.source WHEN 'merchant' THEN c.merchant
                    WHEN 'offer' THEN c.offer_id WHEN 'sub_id' THEN c.sub_id END, ''),
               NEW.currency, 1, NEW.sale_amount,
               CASE NEW.status WHEN 'pending' THEN NEW.commission_amount ELSE 0 END,
               CASE NEW.status WHEN 'approved' THEN NEW.commission_amount ELSE 0 END,
               CASE NEW.status WHEN 'rejected' THEN NEW.commission_amount ELSE 0 END,
               CASE NEW.status WHEN 'reversed' THEN NEW.commission_amount ELSE 0 END
          FROM (SELECT 'day' AS dimension UNION ALL SELECT 'source' UNION ALL SELECT 'merchant'
                UNION ALL SELECT 'offer' UNION ALL SELECT 'sub_id') k
          LEFT JOIN clicks c ON c.click_id = NEW.attributed_click
         WHERE true
    ON CONFLICT DO UPDATE SET num_sales = num_sales + excluded.num_sales,
        sale_amount = sale_amount + excluded.sale_amount, pending = pending + excluded.pending,
        approved = approved + excluded.approved, rejected = rejected + excluded.rejected,
        reversed = reversed + excluded.reversed;
END;

CREATE TRIGGER transaction_sales_rolled_back AFTER DELETE ON network_transactions BEGIN
    INSERT INTO sale_day_sums
        SELECT k.dimension, OLD.transaction_time_us / 86400000000,
               CASE k.dimension WHEN 'day' THEN 1 WHEN 'source' THEN c.source IS NOT NULL
                    WHEN 'merchant' THEN c.merchant IS NOT NULL WHEN 'offer' THEN c.offer_id IS NOT NULL
                    ELSE c.sub_id IS NOT NULL END,
               coalesce(CASE k.dimension WHEN 'source' THEN c.source WHEN 'merchant' THEN c.merchant
                    WHEN 'offer' THEN c.offer_id WHEN 'sub_id' THEN c.sub_id END, ''),
               OLD.currency, -1, -OLD.sale_amount,
               CASE OLD.status WHEN 'pending' THEN -OLD.commission_amount ELSE 0 END,
               CASE OLD.status WHEN 'approved' THEN -OLD.commission_amount ELSE 0 END,
               CASE OLD.status WHEN 'rejected' THEN -OLD.commission_amount ELSE 0 END,
               CASE OLD.status WHEN 'reversed' THEN -OLD.commission_amount ELSE 0 END
          FROM (SELECT 'day' AS dimension UNION ALL SELECT 'source' UNION ALL SELECT 'merchant'
                UNION ALL SELECT 'offer' UNION ALL SELECT 'sub_id') k
          LEFT JOIN clicks c ON c.click_id = OLD.attributed_click
         WHERE true
    ON CONFLICT DO UPDATE SET num_sales = num_sales + excluded.num_sales,
        sale_amount = sale_amount + excluded.sale_amount, pending = pending + excluded.pending,
        approved = approved + excluded.approved, rejected = rejected + excluded.rejected,
        reversed = reversed + excluded.reversed;
END;

INSERT INTO sale_day_sums
    SELECT k.dimension, s.time_us / 86400000000,
           CASE k.dimension WHEN 'day' THEN 1 WHEN 'source' THEN c.source IS NOT NULL
                    WHEN 'merchant' THEN c.merchant IS NOT NULL WHEN 'offer' THEN c.offer_id IS NOT NULL
                    ELSE c.sub_id IS NOT NULL END,
           coalesce(CASE k.dimension WHEN 'source' THEN c.source WHEN 'merchant' THEN c.merchant
                    WHEN 'offer' THEN c.offer_id WHEN 'sub_id' THEN c.sub_id END, ''),
           s.currency, COUNT(*), SUM(s.sale_amount), SUM(CASE s.status WHEN 'pending' THEN s.commission ELSE 0 END),
           SUM(CASE s.status WHEN 'approved' THEN s.commission ELSE 0 END), SUM(CASE s.status WHEN 'rejected' THEN s.commission ELSE 0 END),
           SUM(CASE s.status WHEN 'reversed' THEN s.commission ELSE 0 END)
      FROM (SELECT sale_time_us AS time_us, attributed_click, currency, sale_amount,
                   coalesce(commission_amount, 0) AS commission, status FROM conversions
            UNION ALL
            SELECT transaction_time_us, attributed_click, currency, sale_amount,
                   commission_amount, status FROM network_transactions) s
      CROSS JOIN (SELECT 'day' AS dimension UNION ALL SELECT 'source' UNION ALL SELECT 'merchant'
                UNION ALL SELECT 'offer' UNION ALL SELECT 'sub_id') k
      LEFT JOIN clicks c ON c.click_id = s.attributed_click
     WHERE true
     GROUP BY 1, 2, 3, 4, 5;
";
