/// <reference types="vite/client" />
declare const __MOCK_IPC__: boolean;
