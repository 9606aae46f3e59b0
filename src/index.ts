export * from './compute/wagtail-compute';
export * from './email-options';
export * from './environment-secret';
export * from './image';
export * from './monitoring/monitoring-options';
export * from './wagtail-scale-to-zero';
export * from './wagtail-scale-to-zero-props';
export * from './web-application-firewall';
