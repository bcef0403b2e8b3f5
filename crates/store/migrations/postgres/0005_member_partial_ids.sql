-- Quanzi schema v5: a member's optional unionid and phone are unique per tenant among the
-- members that have one; the indexes leave out the rest (most members, every member a bulk
-- load creates), so creating a member writes two index entries fewer.

drop index member_unionid;
create unique index member_unionid on member(tenant_id, unionid) where unionid is not null;
drop index member_phone;
create unique index member_phone on member(tenant_id, phone) where phone is not null;
