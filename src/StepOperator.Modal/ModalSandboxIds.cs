using System;
using System.Linq;

namespace StepOperator.Modal;

/// <summary>
/// Which backend a sandbox id belongs to, decided by its shape as Modal's SDKs decide it (py/modal/sandbox.py
/// <c>_get_sandbox_version</c>, modal-js <c>getSandboxVersion</c>): "sb-" and 22 letters or digits is a V1 sandbox;
/// every other id is V2, so ids of a newer format go to the newer RPCs (SandboxWaitV2, SandboxTerminateV2, ...).
/// </summary>
internal static class ModalSandboxIds
{
    public static bool IsV2(string sandboxId) => !IsV1(sandboxId);

    public static bool IsV1(string sandboxId) =>
        sandboxId.Length == 25 && sandboxId.StartsWith("sb-", StringComparison.Ordinal) && sandboxId.Skip(3).All(char.IsAsciiLetterOrDigit);
}
