using System.Collections.Generic;
using Grpc.Core;
using StepOperator.ModalEmulator.Common;
using StepOperator.Modal.Protocol;

namespace StepOperator.ModalEmulator.Objects;

/// <summary>Environments by name; "main" always exists. Each reports the image builder version.</summary>
internal sealed class EnvironmentRegistry
{
    private readonly object _gate = new();
    private readonly Dictionary<string, string> _idsByName = new() { [EnvironmentNames.Default] = Ids.New(Ids.Environment) };
    private readonly string _imageBuilderVersion;

    public EnvironmentRegistry(string imageBuilderVersion) => _imageBuilderVersion = imageBuilderVersion;

    public EnvironmentGetOrCreateResponse GetOrCreate(EnvironmentGetOrCreateRequest request)
    {
        var name = EnvironmentNames.Normalize(request.DeploymentName);
        string id;
        lock (_gate)
        {
            if (!_idsByName.TryGetValue(name, out id!))
            {
                if (request.ObjectCreationType == ObjectCreationType.Unspecified)
                {
                    throw new RpcException(new Status(StatusCode.NotFound, $"Environment '{name}' not found."));
                }

                _idsByName[name] = id = Ids.New(Ids.Environment);
            }
        }

        return new EnvironmentGetOrCreateResponse
        {
            EnvironmentId = id,
            Metadata = new EnvironmentMetadata
            {
                Name = name,
                Settings = new EnvironmentSettings { ImageBuilderVersion = _imageBuilderVersion },
            },
        };
    }
}
