export * from './image';
export * from './wagtail-scale-to-zero';
