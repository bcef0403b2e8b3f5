//! String table for login/logout and the error pages.

/// key, zh-CN, en.
pub(super) const TEXTS: &[(&str, &str, &str)] = &[
    ("logout", "退出", "Log out"),
    ("login.title", "登录圈子", "Log in to Quanzi"),
    ("login.email", "邮箱", "Email"),
    ("login.password", "密码", "Password"),
    ("login.submit", "登录", "Log in"),
    ("login.failed", "邮箱或密码错误", "Wrong email or password"),
    (
        "login.limited",
        "尝试次数过多，请 {n} 秒后再试",
        "Too many attempts; try again in {n} s",
    ),
    ("error.400", "请求有误", "Bad request"),
    (
        "error.400.body",
        "这个请求无法处理，请检查链接或表单后重试。",
        "This request cannot be handled; check the link or the form and try again.",
    ),
    ("error.403", "没有权限", "Not allowed"),
    (
        "error.403.body",
        "你的角色不能进行此操作。",
        "Your role does not allow this.",
    ),
    (
        "error.csrf",
        "表单已过期或无效，请刷新页面后重试。",
        "The form expired or is not valid; reload the page and try again.",
    ),
    ("error.404", "页面不存在", "Page not found"),
    (
        "error.404.body",
        "没有这个页面，或它不属于你的租户。",
        "There is no such page, or it is not your tenant's.",
    ),
    ("error.405", "不支持的操作", "Not supported"),
    (
        "error.405.body",
        "这个页面不支持此操作。",
        "This page does not support that action.",
    ),
    ("error.413", "内容过大", "Too large"),
    (
        "error.413.body",
        "提交的内容超过了允许的大小。",
        "What was sent is larger than allowed.",
    ),
    ("error.422", "输入有误", "Invalid input"),
    (
        "error.422.body",
        "表单中有字段不符合要求：",
        "A field of the form does not meet its rule:",
    ),
    ("error.429", "请求过多", "Too many requests"),
    (
        "error.429.body",
        "请求过于频繁，请稍后再试。",
        "Too many requests; wait a moment and try again.",
    ),
    ("error.500", "服务器出错", "Something went wrong"),
    (
        "error.500.body",
        "服务器内部出错，已记录日志。请稍后重试。",
        "An error on our side; it is logged. Please try again later.",
    ),
    ("error.home", "返回仪表盘", "Back to the dashboard"),
    ("error.login", "前往登录", "Go to login"),
    (
        "login.expired",
        "表单已过期，请重试",
        "The form expired; please try again",
    ),
];
