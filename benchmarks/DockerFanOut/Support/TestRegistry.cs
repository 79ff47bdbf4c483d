using System.Globalization;

namespace StepOperator.Benchmarks.Support;

/// <summary>
/// A registry with htpasswd auth on a free loopback port, started by eng/docker/start-registry.sh
/// in a temporary state directory; disposing stops it and deletes its storage. Shared (linked)
/// by the ImageReuse, ModalSubmit and DockerFanOut benchmarks.
/// </summary>
internal sealed class TestRegistry : IDisposable
{
    private TestRegistry(string state, string address, int processId, string password)
    {
        Password = password;
        StateDirectory = state;
        Address = address;
        ProcessId = processId;
    }

    public const string User = "bench";

    public string Password { get; }

    public string StateDirectory { get; }

    /// <summary>127.0.0.1:PORT.</summary>
    public string Address { get; }

    public int Port => int.Parse(Address[(Address.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture);

    public int ProcessId { get; }

    /// <summary>The registry's blob store: every layer, config and manifest it holds, once per digest.</summary>
    public string BlobDirectory => Path.Combine(StateDirectory, "storage", "docker", "registry", "v2", "blobs");

    public static async Task<TestRegistry> StartAsync()
    {
        var password = "pw-" + Guid.NewGuid().ToString("N");
        var state = Directory.CreateTempSubdirectory("stepoperator-bench-registry-").FullName;
        var output = await Shell.ScriptAsync("eng/docker/start-registry.sh", state, User, password, Shell.FreePort().ToString(CultureInfo.InvariantCulture));
        var address = output.Trim().Split('\n').Last().Trim();
        var pid = int.Parse(File.ReadAllText(Path.Combine(state, "registry.pid")).Trim(), CultureInfo.InvariantCulture);
        return new TestRegistry(state, address, pid, password);
    }

    /// <summary>Bytes of blob data the registry holds (each blob's "data" file).</summary>
    public long BlobBytes() =>
        Directory.Exists(BlobDirectory)
            ? Directory.EnumerateFiles(BlobDirectory, "data", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length)
            : 0;

    public int BlobCount() =>
        Directory.Exists(BlobDirectory) ? Directory.EnumerateFiles(BlobDirectory, "data", SearchOption.AllDirectories).Count() : 0;

    public void Dispose()
    {
        Shell.Stop(ProcessId);
        try
        {
            Directory.Delete(StateDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
