using System;

namespace StepOperator.ModalEmulator.Auth;

internal enum RouterTokenCheck
{
    Valid,
    Invalid,
    Expired,
    OtherTask,
}

/// <summary>
/// The JWTs of the task command router's access (CommandRouterAccess.jwt): signed with a key of their
/// own, one per V2 task (its subject), checked by the router on every call. The SDKs read only the
/// payload's <c>exp</c>, and fetch a new one with SandboxGetCommandRouterAccess when the router answers
/// UNAUTHENTICATED (npm modal 0.11.1 TaskCommandRouterClientImpl; task_command_router_client.py).
/// </summary>
internal sealed class RouterTokens(TimeSpan lifetime, TimeProvider time)
{
    private readonly AuthTokenIssuer _issuer = new(lifetime, time);

    public string Issue(string taskId) => _issuer.Issue(taskId);

    public string Issue(string taskId, TimeSpan validFor) => _issuer.Issue(taskId, validFor);

    public RouterTokenCheck Check(string token, string taskId) => _issuer.Check(token, out var subject) switch
    {
        AuthTokenCheck.Valid when string.Equals(subject, taskId, StringComparison.Ordinal) => RouterTokenCheck.Valid,
        AuthTokenCheck.Valid => RouterTokenCheck.OtherTask,
        AuthTokenCheck.Expired => RouterTokenCheck.Expired,
        _ => RouterTokenCheck.Invalid,
    };
}
