using System.Security.Cryptography;

namespace StepOperator.ModalEmulator.Common;

/// <summary>
/// Object ids shaped like Modal's: a type prefix, a dash and 22 base-62 characters. Clients rely on
/// the shape (the JS and Go SDKs send any sandbox id that is not "sb-" + 22 such characters to V2 RPCs).
/// </summary>
internal static class Ids
{
    public const string App = "ap";
    public const string Environment = "en";
    public const string Secret = "st";
    public const string Image = "im";
    public const string Sandbox = "sb";
    public const string Task = "ta";

    private const string Base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    public static string New(string prefix) => prefix + "-" + RandomNumberGenerator.GetString(Base62, 22);
}
