using System.Text;
using StepOperator.Modal.Protocol;
using StepOperator.ModalEmulator;
using StepOperator.S3;
using StepOperator.Testing;

namespace StepOperator.EndToEnd.Tests;

/// <summary>
/// Secrets stay where they belong: a run on the Modal stack with known token and password values,
/// and everything it leaves behind scanned for them.
/// </summary>
[Collection(DockerCollection.Name)]
public class SecretHygieneTests(DockerEnvironment docker)
{
    private const string AuthHeaders = "x-modal-token-id x-modal-token-secret x-modal-auth-token";

    [RegistryFact]
    public async Task Known_tokens_and_passwords_appear_only_in_the_auth_metadata_and_the_secrets_that_carry_them()
    {
        var options = new ModalEmulatorOptions
        {
            TokenId = "ak-hygiene-" + Guid.NewGuid().ToString("N"),
            TokenSecret = "as-hygiene-" + Guid.NewGuid().ToString("N"),
        };
        await using var modal = await ModalTestStack.StartAsync(docker, options: options);
        var emulator = modal.Emulator;
        var program = modal.Program;

        // Flow: local steps and a [ModalStep] (Square), artifacts written from both sides; the image built in this run.
        var run = await program.RunAsync("Flow", "--stack", ModalTestStack.StackName, "--prevent-build-reuse");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("result 63", run.Output);
        var shown = new StringBuilder(run.Output).Append(run.Error);
        foreach (var command in new[] { new[] { "stack", "describe", ModalTestStack.StackName }, ["step-operator", "describe", "modal"],
            ["container-registry", "describe", "registry"], ["artifact-store", "describe", "s3"], ["stack", "list"] })
        {
            var described = await program.RunAsync(command);
            Assert.True(described.ExitCode == 0, described.ToString());
            shown.Append(described.Output).Append(described.Error);
        }

        var authTokens = emulator.Requests.Select(r => r.Header("x-modal-auth-token")).OfType<string>().Distinct().ToList();
        Assert.NotEmpty(authTokens);
        var modalSecrets = new[] { options.TokenId, options.TokenSecret }.Concat(authTokens).ToArray();
        var registrySecrets = new[] { docker.RegistryPassword };
        var storeSecrets = new[] { LocalServers.S3SecretAccessKey };
        var all = modalSecrets.Concat(registrySecrets).Concat(storeSecrets).ToArray();

        // Console output, including what the component commands show.
        AssertNoneIn(all, shown.ToString(), "console output");

        // The run's records: run.json, the reports and anything else in the home folder, except the user config that holds them by design.
        var records = Directory.EnumerateFiles(program.Home, "*", SearchOption.AllDirectories)
            .Where(f => Path.GetFullPath(f) != Path.GetFullPath(program.ConfigFile)).ToList();
        Assert.Contains(records, f => Path.GetFileName(f) == "run.json");
        foreach (var file in records)
        {
            AssertNoneIn(all, File.ReadAllText(file, Encoding.Latin1), file);
        }

        // Every artifact in the store (s3rver keeps objects and their metadata as files; its own log aside).
        var stored = Directory.EnumerateFiles(modal.S3.DataDirectory, "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(".log", StringComparison.Ordinal) && !f.EndsWith(".pid", StringComparison.Ordinal)).ToList();
        Assert.Contains(stored, f => f.Contains("modal-runs", StringComparison.Ordinal));
        foreach (var file in stored)
        {
            AssertNoneIn(all, File.ReadAllText(file, Encoding.Latin1), file);
        }

        // The image: layers, config and history as `docker save` exports them, plus its environment and labels.
        var import = Assert.Single(emulator.RequestsFor(ModalRpc.ImageGetOrCreate)).MessageAs<ImageGetOrCreateRequest>();
        var reference = import.Image.DockerfileCommands.Single()["FROM ".Length..];
        var image = new StringBuilder();
        await using (var saved = await docker.Engine.Client.Images.SaveImageAsync(reference, CancellationToken.None))
        {
            await DockerStackTests.AppendTarContentAsync(saved, image);
        }

        foreach (var entry in await docker.Engine.Client.Images.GetImageHistoryAsync(reference))
        {
            image.Append(entry.CreatedBy).Append('\n');
        }

        var config = (await docker.Engine.Client.Images.InspectImageAsync(reference)).Config!;
        image.AppendJoin('\n', config.Env ?? []).AppendJoin('\n', config.Labels?.Select(l => l.Key + "=" + l.Value) ?? []);
        AssertNoneIn(all, image.ToString(), $"image {reference}");

        // The requests Modal received: the token and auth token only in their headers; the registry
        // password only in the registry secret; the store's keys only in the step's environment secret.
        var secretRequests = emulator.RequestsFor(ModalRpc.SecretGetOrCreate).Select(r => r.MessageAs<SecretGetOrCreateRequest>()).ToList();
        var registrySecret = Assert.Single(secretRequests, s => s.EnvDict.ContainsKey("REGISTRY_PASSWORD"));
        Assert.Equal(["REGISTRY_PASSWORD", "REGISTRY_USERNAME"], registrySecret.EnvDict.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(docker.RegistryPassword, registrySecret.EnvDict["REGISTRY_PASSWORD"]);
        var environmentSecret = Assert.Single(secretRequests, s => s.EnvDict.ContainsKey("STEPOPERATOR_RUN_ID"));
        Assert.Contains(environmentSecret.EnvDict.Values, v => v == LocalServers.S3SecretAccessKey); // the sandbox reads the store with it
        foreach (var request in emulator.Requests)
        {
            var headers = request.Headers.Where(h => !AuthHeaders.Split(' ').Contains(h.Key)).Select(h => h.Key + ": " + h.Value);
            AssertNoneIn(all, string.Join("\n", headers), $"{request.Rpc} request #{request.Index}'s headers");
            var allowed = request.Rpc != ModalRpc.SecretGetOrCreate ? []
                : request.MessageAs<SecretGetOrCreateRequest>().EnvDict.ContainsKey("REGISTRY_PASSWORD") ? registrySecrets
                : storeSecrets;
            AssertNoneIn(all.Except(allowed).ToArray(), request.Json, $"{request.Rpc} request #{request.Index}");
        }

        // The scan looks for values that are really there where they belong.
        Assert.All(emulator.Requests, r => Assert.Equal(options.TokenSecret, r.Header("x-modal-token-secret")));
        var configuration = File.ReadAllText(program.ConfigFile);
        Assert.All(new[] { options.TokenSecret, docker.RegistryPassword, LocalServers.S3SecretAccessKey }, secret => Assert.Contains(secret, configuration));

        // What the sandbox saw in its environment: the store's keys, no Modal token, no registry password.
        var sandbox = Assert.Single(emulator.Sandboxes);
        AssertNoneIn(modalSecrets.Concat(registrySecrets).ToArray(), string.Join("\n", sandbox.Environment.Select(e => e.Key + "=" + e.Value)), "the sandbox's environment");
        await FaultInjectionTests.AssertNoOrphansAsync(docker, emulator, program.OnlyRun().RunId);
    }

    [Fact]
    public async Task The_user_config_with_the_secrets_is_owner_only_after_every_command_that_writes_it()
    {
        // (A new file written by 'register' is checked in StackCommandTests; this is the rest: a file the
        // user made with loose permissions, and updates, deletions and activations rewriting it.)
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using var program = new TestProgram();
        Directory.CreateDirectory(Path.GetDirectoryName(program.ConfigFile)!);
        File.WriteAllText(program.ConfigFile, "{}");
        File.SetUnixFileMode(program.ConfigFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

        var commands = new[]
        {
            new[] { "container-registry", "register", "r", "--flavor=default", "--server=127.0.0.1:5999", "--username=me", "--password=pw-hygiene-first" },
            ["step-operator", "register", "m", "--flavor=modal", "--token_id=ak-hygiene-id", "--token_secret=as-hygiene-secret"],
            ["container-registry", "update", "r", "--password=pw-hygiene-second"],
            ["step-operator", "update", "m", "--token_secret=as-hygiene-newer"],
            ["stack", "register", "s", "-s", "m", "-c", "r"],
            ["stack", "activate", "s"],
            ["stack", "activate", "local"],
            ["stack", "delete", "s"],
        };
        foreach (var command in commands)
        {
            var result = await program.RunAsync(command);
            Assert.True(result.ExitCode == 0, $"{string.Join(' ', command)}: {result}");
            Assert.True(File.GetUnixFileMode(program.ConfigFile) == OwnerOnly, $"after '{string.Join(' ', command)}': {File.GetUnixFileMode(program.ConfigFile)}");
            Assert.DoesNotContain("hygiene", result.Output + result.Error);
        }

        var text = File.ReadAllText(program.ConfigFile);
        Assert.Contains("pw-hygiene-second", text);
        Assert.Contains("as-hygiene-newer", text);
        Assert.DoesNotContain("pw-hygiene-first", text);

        // Nothing else beside it: no temporary or backup copy of the secrets.
        Assert.Equal([program.ConfigFile], Directory.GetFiles(Path.GetDirectoryName(program.ConfigFile)!));
    }

    /// <summary>None of <paramref name="secrets"/>, nor a 16-character piece of one (of a JWT: of its signature), is in <paramref name="text"/>.</summary>
    private static void AssertNoneIn(IReadOnlyCollection<string> secrets, string text, string where)
    {
        foreach (var secret in secrets)
        {
            var core = secret.Contains('.', StringComparison.Ordinal) ? secret[(secret.LastIndexOf('.') + 1)..] : secret;
            var pieces = core.Length <= 16 ? [core] : Enumerable.Range(0, (core.Length - 16) / 8 + 1).Select(i => core.Substring(i * 8, 16)).Append(core[^16..]);
            foreach (var piece in pieces.Append(secret).Distinct())
            {
                var at = text.IndexOf(piece, StringComparison.Ordinal);
                if (at >= 0)
                {
                    // What comes before it, not the secret itself nor what follows (more of it, maybe).
                    var start = Math.Max(0, at - 80);
                    Assert.Fail($"A secret ({Redact(secret)}) is in {where}: ...{text[start..at]}<SECRET>...");
                }
            }
        }
    }

    private static string Redact(string secret) => secret.Length <= 6 ? "******" : secret[..4] + new string('*', Math.Min(12, secret.Length - 4));
}
