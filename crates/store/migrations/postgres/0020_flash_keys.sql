-- Quanzi schema v20: fewer index pages per flash-sale buy. An order's request key is unique
-- per member first, (tenant_id, member_id, flash_sale_id, request_key), so the same index
-- serves a member's orders and the member's foreign key, and the separate member index goes.
alter table flash_order drop constraint flash_order_tenant_id_flash_sale_id_member_id_request_key_key;
alter table flash_order add constraint flash_order_tenant_id_member_id_flash_sale_id_request_key_key
    unique (tenant_id, member_id, flash_sale_id, request_key);
drop index flash_order_member;
