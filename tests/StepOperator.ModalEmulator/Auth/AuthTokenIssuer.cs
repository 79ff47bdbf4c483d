using System;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace StepOperator.ModalEmulator.Auth;

internal enum AuthTokenCheck
{
    Valid,
    Malformed,
    BadSignature,
    Expired,
}

/// <summary>
/// Issues and checks the JWTs that AuthTokenGet returns (HS256 with a key of this emulator; clients
/// only read the payload's <c>exp</c> to know when to fetch a new one).
/// </summary>
internal sealed class AuthTokenIssuer(TimeSpan lifetime, TimeProvider time)
{
    private const string Header = """{"alg":"HS256","typ":"JWT"}""";

    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);

    public TimeSpan Lifetime { get; } = lifetime;

    public string Issue(string subject) => Issue(subject, Lifetime);

    public string Issue(string subject, TimeSpan validFor)
    {
        var now = time.GetUtcNow();
        var issuedAt = now.ToUnixTimeSeconds();
        // exp is in whole seconds: round up, so a token never lives shorter than asked (a 1 s token cut to 0.1 s).
        var expires = (long)Math.Ceiling((now + validFor).ToUnixTimeMilliseconds() / 1000.0);
        var header = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(Header));

        // The JS SDK decodes the payload with atob(), which rejects the base64url characters '-' and
        // '_' (and then falls back to a 20-minute expiry). Pick a nonce whose payload encodes without them.
        string payload;
        var attempt = 0;
        do
        {
            var nonce = Convert.ToHexString(RandomNumberGenerator.GetBytes(8));
            var json = JsonSerializer.Serialize(new TokenPayload(subject, issuedAt, expires, nonce));
            payload = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json));
        }
        while ((payload.Contains('-') || payload.Contains('_')) && ++attempt < 10_000);

        return $"{header}.{payload}.{Sign(header, payload)}";
    }

    public AuthTokenCheck Check(string token) => Check(token, out _);

    /// <summary>Checks <paramref name="token"/> and reads its subject (empty when the token is not valid).</summary>
    public AuthTokenCheck Check(string token, out string subject)
    {
        subject = string.Empty;
        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            return AuthTokenCheck.Malformed;
        }

        var expected = Encoding.ASCII.GetBytes(Sign(parts[0], parts[1]));
        if (!CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(parts[2])))
        {
            return AuthTokenCheck.BadSignature;
        }

        TokenPayload? payload;
        try
        {
            payload = JsonSerializer.Deserialize<TokenPayload>(Base64Url.DecodeFromChars(parts[1]));
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            return AuthTokenCheck.Malformed;
        }

        if (payload is null)
        {
            return AuthTokenCheck.Malformed;
        }

        subject = payload.sub ?? string.Empty;
        return time.GetUtcNow().ToUnixTimeSeconds() >= payload.exp ? AuthTokenCheck.Expired : AuthTokenCheck.Valid;
    }

    private string Sign(string header, string payload)
    {
        var signature = HMACSHA256.HashData(_key, Encoding.ASCII.GetBytes(header + "." + payload));
        return Base64Url.EncodeToString(signature);
    }

#pragma warning disable IDE1006 // JWT claim names are lower case.
    private sealed record TokenPayload(string sub, long iat, long exp, string jti);
#pragma warning restore IDE1006
}
