-- The growth loop: member identities on the member pages, live codes and their seats, lead
-- gifts and their redemptions, referral programmes and their reward ledger.

-- How a visitor of the member pages is known: a WeChat openid, or a browser's visitor key.
create table member_identity (
    tenant_id bigint not null,
    kind text not null check (kind in ('openid', 'visitor')),
    value text not null,
    member_id bigint not null,
    created_at_ms bigint not null,
    primary key (tenant_id, kind, value),
    foreign key (tenant_id, member_id) references member(tenant_id, member_id) on delete cascade
);
create index member_identity_member on member_identity(tenant_id, member_id);

-- A tenant's member-page settings: the secret its member links are signed with (sealed), and
-- its official account for WeChat web OAuth (secret sealed).
create table h5_settings (
    tenant_id bigint primary key references tenant(tenant_id) on delete cascade,
    link_secret text not null,
    oauth_appid text,
    oauth_secret text,
    oauth_scope text,
    updated_at_ms bigint not null
);

-- Signed member links issued before `revoked_at_ms` are refused.
create table member_link_revocation (
    tenant_id bigint not null,
    member_id bigint not null,
    revoked_at_ms bigint not null,
    primary key (tenant_id, member_id),
    foreign key (tenant_id, member_id) references member(tenant_id, member_id) on delete cascade
);

-- An OAuth `state` is used once.
create table oauth_state (
    tenant_id bigint not null references tenant(tenant_id) on delete cascade,
    nonce text not null,
    expires_at_ms bigint not null,
    used_at_ms bigint,
    primary key (tenant_id, nonce)
);

create table gift (
    gift_id bigserial,
    tenant_id bigint not null references tenant(tenant_id) on delete cascade,
    name text not null,
    cost_fen bigint not null check (cost_fen >= 0),
    stock bigint check (stock >= 0),
    issued bigint not null default 0 check (issued >= 0),
    valid_days bigint not null,
    archived_at_ms bigint,
    created_at_ms bigint not null,
    updated_at_ms bigint not null,
    check (stock is null or issued <= stock),
    primary key (tenant_id, gift_id)
);

create table live_code (
    live_code_id bigserial,
    tenant_id bigint not null references tenant(tenant_id) on delete cascade,
    slug text not null,
    name text not null,
    kind text not null check (kind in ('poster', 'partner', 'store', 'staff')),
    store text,
    template_group_id bigint,
    gift_id bigint,
    ask bigint not null default 0,
    rules text not null default '[]',
    staff text not null default '[]',
    backup_staff text,
    welcome text,
    auto_tags text not null default '[]',
    wecom_config_id text,
    wecom_qr_url text,
    archived_at_ms bigint,
    created_at_ms bigint not null,
    updated_at_ms bigint not null,
    unique (tenant_id, slug),
    primary key (tenant_id, live_code_id)
);

-- The groups a live code fills, in order; `opened_at_ms` marks a group the code opened
-- itself when the others were full (waiting for the operator until it has a QR image).
create table live_code_group (
    tenant_id bigint not null,
    live_code_id bigint not null,
    group_id bigint not null,
    position bigint not null,
    opened_at_ms bigint,
    primary key (tenant_id, live_code_id, group_id),
    foreign key (tenant_id, live_code_id) references live_code(tenant_id, live_code_id) on delete cascade,
    foreign key (tenant_id, group_id) references chat_group(tenant_id, group_id) on delete cascade
);

-- A group's own QR image, as the operator uploaded it, with WeChat's expiry.
create table group_qr (
    tenant_id bigint not null,
    group_id bigint not null,
    image bytea not null,
    content_type text not null,
    uploaded_at_ms bigint not null,
    expires_at_ms bigint not null,
    alerted_at_ms bigint,
    primary key (tenant_id, group_id),
    foreign key (tenant_id, group_id) references chat_group(tenant_id, group_id) on delete cascade
);
create index group_qr_expiry on group_qr(tenant_id, expires_at_ms);

-- A place held in a group for a member who scanned a code, until they join or it expires.
create table live_code_seat (
    tenant_id bigint not null,
    live_code_id bigint not null,
    member_id bigint not null,
    group_id bigint,
    staff_userid text,
    scanned_at_ms bigint not null,
    expires_at_ms bigint not null,
    joined_at_ms bigint,
    program_id bigint,
    inviter_member_id bigint,
    network text,
    primary key (tenant_id, live_code_id, member_id),
    foreign key (tenant_id, live_code_id) references live_code(tenant_id, live_code_id) on delete cascade,
    foreign key (tenant_id, member_id) references member(tenant_id, member_id) on delete cascade
);
create index live_code_seat_group on live_code_seat(tenant_id, group_id, expires_at_ms);

create table redemption (
    redemption_id bigserial,
    tenant_id bigint not null,
    gift_id bigint not null,
    member_id bigint not null,
    live_code_id bigint,
    code text not null,
    issued_at_ms bigint not null,
    expires_at_ms bigint not null,
    redeemed_at_ms bigint,
    redeemed_by text,
    unique (tenant_id, code),
    unique (tenant_id, gift_id, member_id),
    foreign key (tenant_id, gift_id) references gift(tenant_id, gift_id) on delete cascade,
    foreign key (tenant_id, member_id) references member(tenant_id, member_id) on delete cascade,
    primary key (tenant_id, redemption_id)
);

create table referral_program (
    program_id bigserial,
    tenant_id bigint not null references tenant(tenant_id) on delete cascade,
    slug text not null,
    name text not null,
    live_code_id bigint,
    rules text not null,
    budget_fen bigint not null check (budget_fen >= 0),
    spent_fen bigint not null default 0 check (spent_fen >= 0),
    member_cap_fen bigint,
    order_watermark bigint not null default 0,
    archived_at_ms bigint,
    created_at_ms bigint not null,
    updated_at_ms bigint not null,
    unique (tenant_id, slug),
    check (spent_fen <= budget_fen),
    primary key (tenant_id, program_id)
);

-- The reward ledger: one row per (programme, beneficiary, cause), so a cause is rewarded once.
create table reward (
    reward_id bigserial,
    tenant_id bigint not null,
    program_id bigint not null,
    member_id bigint not null,
    cause text not null,
    invitee_member_id bigint,
    kind text not null check (kind in ('points', 'coupon', 'gift', 'cash')),
    amount bigint not null,
    value_fen bigint not null check (value_fen >= 0),
    state text not null check (state in ('pending', 'held', 'approved', 'paid', 'reversed', 'rejected')),
    hold_reason text,
    network text,
    mature_at_ms bigint not null,
    created_at_ms bigint not null,
    updated_at_ms bigint not null,
    unique (tenant_id, program_id, member_id, cause),
    foreign key (tenant_id, program_id) references referral_program(tenant_id, program_id) on delete cascade,
    foreign key (tenant_id, member_id) references member(tenant_id, member_id) on delete cascade,
    primary key (tenant_id, reward_id)
);
create index reward_state on reward(tenant_id, state, mature_at_ms);

-- Every change of a reward's state, with who decided and why.
create table reward_decision (
    decision_id bigserial,
    tenant_id bigint not null,
    reward_id bigint not null,
    from_state text not null,
    to_state text not null,
    actor text not null,
    note text,
    at_ms bigint not null,
    foreign key (tenant_id, reward_id) references reward(tenant_id, reward_id) on delete cascade,
    primary key (tenant_id, decision_id)
);
create index reward_decision_reward on reward_decision(tenant_id, reward_id);
