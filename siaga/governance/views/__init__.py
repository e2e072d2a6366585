"""Pages of the coordination group, by subject: members and terms of reference, meetings and
action items, the on-call rota, exercises. Views parse, call an action, render."""
