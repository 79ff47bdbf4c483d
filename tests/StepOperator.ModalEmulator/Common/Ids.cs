using System;
using System.Security.Cryptography;

namespace StepOperator.ModalEmulator.Common;

/// <summary>
/// Object ids shaped like Modal's. V1 ids: a type prefix, a dash and 22 base-62 characters; the JS
/// and Go SDKs send any sandbox id that is not "sb-" + 22 such characters to the V2 RPCs
/// (npm modal 0.11.1 isV1SandboxId, py/modal/sandbox.py _is_v1_sandbox_id). V2 sandbox and task ids
/// are ULID-shaped: 26 Crockford base-32 characters (48-bit millisecond time, then random), and a
/// V2 sandbox's task id ends in "V" (py/modal/_utils/task_command_router_client.py _is_v2_task_id;
/// py/test/sandbox_test.py: "ta-01ARZ3NDEKTSV4RRFFQ69G5FAV" is a V2 task, "...FAS" a V1 one), so V1
/// task ids here end in "S" and never in "V".
/// </summary>
internal static class Ids
{
    public const string App = "ap";
    public const string Environment = "en";
    public const string Secret = "st";
    public const string Image = "im";
    public const string Sandbox = "sb";
    public const string Task = "ta";

    /// <summary>The last character of a V2 sandbox's task id (and, here, of a V2 sandbox id).</summary>
    public const char V2Marker = 'V';

    /// <summary>The last character of a V1 sandbox's task id.</summary>
    public const char V1TaskMarker = 'S';

    private const string Base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private const string Crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    public static string New(string prefix) => prefix + "-" + RandomNumberGenerator.GetString(Base62, 22);

    /// <summary>A V1 sandbox's task id: "ta-" + 21 base-62 characters + "S".</summary>
    public static string NewV1Task() => Task + "-" + RandomNumberGenerator.GetString(Base62, 21) + V1TaskMarker;

    /// <summary>A V2 id: <paramref name="prefix"/> + "-" + a ULID-shaped 26 characters ending in "V".</summary>
    public static string NewV2(string prefix)
    {
        var chars = new char[26];
        var time = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var i = 9; i >= 0; i--)
        {
            chars[i] = Crockford[(int)(time & 31)];
            time >>= 5;
        }

        RandomNumberGenerator.GetItems<char>(Crockford, chars.AsSpan(10, 15));
        chars[25] = V2Marker;
        return prefix + "-" + new string(chars);
    }

    /// <summary>Whether <paramref name="sandboxId"/> has the V1 shape ("sb-" + 22 base-62 characters), as the SDKs decide.</summary>
    public static bool IsV1SandboxId(string sandboxId) =>
        sandboxId.Length == 25 && sandboxId.StartsWith("sb-", StringComparison.Ordinal) && sandboxId.AsSpan(3).IndexOfAnyExcept(Base62) < 0;
}
