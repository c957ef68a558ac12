//! The `repair_apply` workflow: which action moves a request from which state to which,
//! and who may take it. docs/repair.md's state table is this table.

use super::reply::RepairError;
use crate::error::ApiError;

pub const PENDING: &str = "pending";
pub const ASSIGNED: &str = "assigned";
pub const PROCESSING: &str = "processing";
pub const FINISHED: &str = "finished";
pub const CLOSED: &str = "closed";
pub const CANCELLED: &str = "cancelled";

pub const STATES: [&str; 6] = [PENDING, ASSIGNED, PROCESSING, FINISHED, CLOSED, CANCELLED];

pub fn state_name(state: &str) -> &'static str {
    match state {
        PENDING => "待指派",
        ASSIGNED => "已指派",
        PROCESSING => "维修中",
        FINISHED => "待确认",
        CLOSED => "已完成",
        CANCELLED => "已取消",
        _ => "未知",
    }
}

/// Who the caller is to one request.
#[derive(Debug, Clone, Copy)]
pub struct Parties {
    pub admin: bool,
    pub applicant: bool,
    pub assignee: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Admin,
    Applicant,
    Assignee,
}

impl Who {
    fn is(self, p: Parties) -> bool {
        match self {
            Who::Admin => p.admin,
            Who::Applicant => p.applicant,
            Who::Assignee => p.assignee,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Who::Admin => "管理员",
            Who::Applicant => "申请人",
            Who::Assignee => "被指派的维修人员",
        }
    }
}

/// (action, who, from these states, to this state). `comment` keeps the state.
const RULES: &[(&str, Who, &[&str], &str)] = &[
    (
        "assign",
        Who::Admin,
        &[PENDING, ASSIGNED, PROCESSING],
        ASSIGNED,
    ),
    ("accept", Who::Assignee, &[ASSIGNED], PROCESSING),
    ("finish", Who::Assignee, &[PROCESSING], FINISHED),
    ("confirm", Who::Applicant, &[FINISHED], CLOSED),
    ("reopen", Who::Applicant, &[FINISHED], ASSIGNED),
    ("cancel", Who::Applicant, &[PENDING, ASSIGNED], CANCELLED),
    (
        "cancel",
        Who::Admin,
        &[PENDING, ASSIGNED, PROCESSING],
        CANCELLED,
    ),
];

pub const ACTIONS: [&str; 7] = [
    "assign", "accept", "finish", "confirm", "reopen", "cancel", "comment",
];

pub fn action_name(action: &str) -> &'static str {
    match action {
        "create" => "提交申请",
        "assign" => "指派",
        "accept" => "接单",
        "finish" => "完成维修",
        "confirm" => "确认完成",
        "reopen" => "重新打开",
        "cancel" => "取消",
        "comment" => "评论",
        _ => "未知操作",
    }
}

/// The state `action` leads to from `from` for these parties, or why not: 403 when the
/// caller may never take the action, 409 when the request is in the wrong state for it.
pub fn next(action: &str, parties: Parties, from: &str) -> Result<&'static str, RepairError> {
    if action == "comment" {
        if parties.admin || parties.applicant || parties.assignee {
            return Ok(STATES
                .iter()
                .find(|s| **s == from)
                .copied()
                .unwrap_or(PENDING));
        }
        return Err(ApiError::forbidden("只有申请人、维修人员和管理员可以评论").into());
    }
    let rules: Vec<_> = RULES.iter().filter(|r| r.0 == action).collect();
    if rules.is_empty() {
        return Err(ApiError::invalid("action", "未知操作").into());
    }
    let mine: Vec<_> = rules.iter().filter(|r| r.1.is(parties)).collect();
    if mine.is_empty() {
        let who: Vec<&str> = rules.iter().map(|r| r.1.name()).collect();
        return Err(ApiError::forbidden(format!(
            "只有{}可以{}",
            who.join("或"),
            action_name(action)
        ))
        .into());
    }
    mine.iter()
        .find(|r| r.2.contains(&from))
        .map(|r| r.3)
        .ok_or_else(|| {
            RepairError::wrong_state(format!(
                "当前状态为{}, 不能{}",
                state_name(from),
                action_name(action)
            ))
        })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const ADMIN: Parties = Parties {
        admin: true,
        applicant: false,
        assignee: false,
    };
    const APPLICANT: Parties = Parties {
        admin: false,
        applicant: true,
        assignee: false,
    };
    const ASSIGNEE: Parties = Parties {
        admin: false,
        applicant: false,
        assignee: true,
    };

    #[test]
    fn each_rule_names_its_party_and_states() {
        assert_eq!(next("assign", ADMIN, PENDING).unwrap(), ASSIGNED);
        assert_eq!(next("accept", ASSIGNEE, ASSIGNED).unwrap(), PROCESSING);
        assert_eq!(next("cancel", ADMIN, PROCESSING).unwrap(), CANCELLED);
        assert_eq!(next("cancel", APPLICANT, PROCESSING).unwrap_err().code, 409);
        assert_eq!(next("assign", APPLICANT, PENDING).unwrap_err().code, 403);
        assert_eq!(next("confirm", APPLICANT, CLOSED).unwrap_err().code, 409);
        assert_eq!(next("comment", ASSIGNEE, FINISHED).unwrap(), FINISHED);
        assert_eq!(next("fly", ADMIN, PENDING).unwrap_err().code, 303);
    }
}
