using System.Threading.Tasks;
using StepOperator.ModalEmulator.Common;
using StepOperator.Modal.Protocol;

namespace StepOperator.ModalEmulator.Images;

/// <summary>Registry credentials for a pull (from a secret's REGISTRY_USERNAME and REGISTRY_PASSWORD).</summary>
internal sealed record RegistryCredentials(string Username, string Password);

/// <summary>What makes two ImageGetOrCreate requests the same build.</summary>
internal sealed record ImageBuildKey(string Reference, RegistryAuthType AuthType, RegistryCredentials? Credentials, string? CredentialProblem);

/// <summary>One image build ("im-..."): its log, and once finished its result and the engine's image id.</summary>
internal sealed class ImageBuild(string id, ImageBuildKey key, ImageReference reference)
{
    private readonly object _gate = new();
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private GenericResult? _result;

    public string Id { get; } = id;

    public ImageBuildKey Key { get; } = key;

    public ImageReference Reference { get; } = reference;

    public LogJournal Logs { get; } = new();

    /// <summary>Completes (never faults) when the build has a result.</summary>
    public Task Finished => _finished.Task;

    /// <summary>The engine's id of the pulled image, once the build succeeded.</summary>
    public string? DockerImageId { get; private set; }

    public string? WorkingDir { get; private set; }

    /// <summary>A copy of the result, or null (ABSENT on the wire) while the build runs.</summary>
    public GenericResult? Result
    {
        get
        {
            lock (_gate)
            {
                return _result?.Clone();
            }
        }
    }

    public bool Failed
    {
        get
        {
            lock (_gate)
            {
                return _result is { Status: not GenericResult.Types.GenericStatus.Success };
            }
        }
    }

    public string? FailureReason
    {
        get
        {
            lock (_gate)
            {
                return _result is { Status: not GenericResult.Types.GenericStatus.Success } ? _result.Exception : null;
            }
        }
    }

    public void Succeed(string dockerImageId, string? workingDir)
    {
        DockerImageId = dockerImageId;
        WorkingDir = string.IsNullOrEmpty(workingDir) ? null : workingDir;
        Finish(new GenericResult { Status = GenericResult.Types.GenericStatus.Success });
    }

    public void Fail(string reason)
    {
        Logs.Append(FileDescriptor.Stderr, reason + "\n");
        Finish(new GenericResult { Status = GenericResult.Types.GenericStatus.Failure, Exception = reason, Exitcode = 1 });
    }

    public ImageMetadata Metadata(string builderVersion)
    {
        var metadata = new ImageMetadata { ImageBuilderVersion = builderVersion };
        if (WorkingDir is not null)
        {
            metadata.Workdir = WorkingDir;
        }

        return metadata;
    }

    private void Finish(GenericResult result)
    {
        lock (_gate)
        {
            if (_result is not null)
            {
                return;
            }

            _result = result;
        }

        Logs.Complete();
        _finished.TrySetResult();
    }
}
