using System.Collections.Generic;
using Google.Protobuf;
using Google.Protobuf.Collections;
using StepOperator.Modal.Protocol;

namespace StepOperator.ModalEmulator.Recording;

/// <summary>
/// What GET /requests hides unless asked (?secrets=true): the token secret, auth tokens and the
/// task command router's bearer JWTs in the metadata, and the values of secrets and of inline
/// environments (registry passwords among them) in the messages.
/// </summary>
internal static class SecretMask
{
    public const string Masked = "<masked>";

    /// <summary>Metadata keys whose values are credentials.</summary>
    public static IReadOnlySet<string> SecretHeaders { get; } = new HashSet<string>
    {
        "x-modal-token-secret", "x-modal-auth-token", "authorization",
    };

    public static string Header(string key, string value) => SecretHeaders.Contains(key) ? Masked : value;

    /// <summary>A copy of <paramref name="message"/> with its secret values replaced (the message itself when it has none).</summary>
    public static IMessage Message(IMessage message)
    {
        switch (message)
        {
            case SecretGetOrCreateRequest secret when secret.EnvDict.Count > 0:
                var maskedSecret = secret.Clone();
                MaskValues(maskedSecret.EnvDict);
                return maskedSecret;
            case SandboxCreateV2Request create when create.EphemeralSecrets is { Contents.Count: > 0 }:
                var maskedCreate = create.Clone();
                MaskValues(maskedCreate.EphemeralSecrets.Contents);
                return maskedCreate;
            default:
                return message;
        }
    }

    private static void MaskValues(MapField<string, string> values)
    {
        foreach (var key in new List<string>(values.Keys))
        {
            values[key] = Masked;
        }
    }
}
